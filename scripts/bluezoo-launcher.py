#!/usr/bin/env python3
"""Start bluezoo (the BlueZ D-Bus mock used by the end-to-end tests) with a reconnect fix.

bluezoo 1.0.2 cannot reconnect as shipped (docs/ble-testing.md §3). A real BlueZ, when
a link drops, stops the notifications the link had subscribed to on the peripheral and removes
the device's GATT objects from D-Bus; the next connect exports them afresh. bluezoo does
neither, so the next connect fails re-exporting the same object paths (errno 17, EEXIST) and
the peripheral is left notifying into a link that no longer exists.

This launcher wraps `bluezoo.device.Device.disconnect` so that, after the original has run, it
does what BlueZ does, then hands over to `bluezoo.bluezoo.main()`; all arguments pass through
unchanged, e.g.

    python scripts/bluezoo-launcher.py --auto-enable --scan-interval 1 \
        -a 00:11:22:33:44:55 -a 00:AA:BB:CC:DD:EE

Test tool only: bluezoo is GPL-2.0 and is installed into a throwaway virtualenv by scripts/test.
"""

import asyncio
import functools
import logging

import bluezoo.bluezoo
import bluezoo.device
from bluezoo import events
from bluezoo.gatt import GattCharacteristicClientLink

log = logging.getLogger("bluezoo-launcher")

_original_disconnect = bluezoo.device.Device.disconnect

STOP_NOTIFY_TIMEOUT_S = 2


def _still_notifying(link):
    """True when the link may still relay notifications from the peripheral's characteristic.

    A peripheral built with bluer exports no `Notifying` property, so the link's own
    subscription to the characteristic's value changes is the sign: it starts as an empty
    `events.Subscription` and `StartNotify` replaces it with a live pyventus subscriber. The
    property is checked too, for peripherals that do export it.
    """
    subscription = link.client_props_changed_subscription
    if isinstance(subscription, events.Subscription):
        subscribed = subscription.subscriber is not None
    else:
        subscribed = True
    return subscribed or bool(link.client.Notifying.get(False)) or link.f_read is not None


async def _stop_notify(link):
    try:
        # Bounded: a hung peripheral must not hang the central's Disconnect.
        async with asyncio.timeout(STOP_NOTIFY_TIMEOUT_S):
            await link.client.StopNotify()
    except Exception as err:  # The peripheral may be gone (a killed strap): nothing to stop.
        log.debug("StopNotify on %s failed: %s", link, err)
    link.client_props_changed_subscription.unsubscribe()
    link.client_props_changed_subscription = events.Subscription()
    if link.f_read is not None:  # A link that used AcquireNotify holds a socket instead.
        try:
            asyncio.get_running_loop().remove_reader(link.f_read)
            link.f_read.close()
        except OSError:
            pass
        link.f_read = None


@functools.wraps(_original_disconnect)
async def disconnect_like_bluez(self, *args, **kwargs):
    await _original_disconnect(self, *args, **kwargs)

    links = list(self.services.values())
    for link in links:
        if isinstance(link, GattCharacteristicClientLink) and _still_notifying(link):
            await _stop_notify(link)

    mock = self.peer_adapter.mock
    for link in links:
        try:
            mock.remove_object(link)
        except KeyError:  # Never exported or already removed.
            pass
    self.services.clear()

    for device in (self, self.peer):
        if device is not None:
            await device.ServicesResolved.set_async(False)
    log.info("Disconnected %s: removed %d GATT object(s)", self, len(links))


bluezoo.device.Device.disconnect = disconnect_like_bluez

if __name__ == "__main__":
    bluezoo.bluezoo.main()
