//! Which nearby devices are heart-rate straps, and which one to use.
//!
//! Pure: candidates in, a choice out. BlueZ merges the discovery filters of every client on the
//! machine and previously paired devices show regardless of any filter (btleplug #454, #404), so
//! talkzone re-checks each device's advertised services itself rather than trusting the filter.

use serde::Serialize;
use uuid::Uuid;

use super::HEART_RATE_SERVICE;

/// A device seen during a scan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Advertised name, if any.
    pub name: Option<String>,
    /// Bluetooth address ("AA:BB:CC:DD:EE:FF").
    pub address: String,
    /// Signal strength in dBm, if reported.
    pub rssi: Option<i16>,
    /// Advertised service UUIDs.
    #[serde(skip)]
    pub services: Vec<Uuid>,
}

impl Candidate {
    /// Whether the device advertises the Heart Rate Service.
    pub fn is_heart_rate_strap(&self) -> bool {
        self.services.contains(&HEART_RATE_SERVICE)
    }

    /// "Name (address)" or the address alone.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} ({})", self.address),
            None => self.address.clone(),
        }
    }
}

/// Which strap the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    /// Any strap: the remembered one if present, else the strongest signal.
    Any { remembered: Option<String> },
    /// This address (case-insensitive).
    Address(String),
    /// A device whose name contains this text (case-insensitive).
    Name(String),
}

impl Wanted {
    /// Interpret `--device ADDR|NAME`: six colon-separated hex pairs are an address, anything
    /// else is (part of) a name.
    pub fn from_arg(arg: &str) -> Self {
        if is_address(arg) {
            Wanted::Address(arg.to_ascii_uppercase())
        } else {
            Wanted::Name(arg.to_owned())
        }
    }

    /// Whether this candidate is the one asked for by address or name (always false for `Any`).
    pub fn names(&self, c: &Candidate) -> bool {
        match self {
            Wanted::Any { .. } => false,
            Wanted::Address(a) => c.address.eq_ignore_ascii_case(a),
            Wanted::Name(n) => c
                .name
                .as_deref()
                .is_some_and(|name| name.to_lowercase().contains(&n.to_lowercase())),
        }
    }

    /// How the user would describe what was looked for ("" for any strap).
    pub fn describe(&self) -> String {
        match self {
            Wanted::Any { .. } => String::new(),
            Wanted::Address(a) => format!(" with address {a}"),
            Wanted::Name(n) => format!(" named like {n:?}"),
        }
    }
}

/// Whether `s` is a Bluetooth address of the form `AA:BB:CC:DD:EE:FF`.
pub fn is_address(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Keep only heart-rate straps, strongest first (unknown RSSI last), one entry per address.
pub fn straps(mut candidates: Vec<Candidate>) -> Vec<Candidate> {
    candidates.retain(Candidate::is_heart_rate_strap);
    candidates.sort_by(|a, b| {
        b.rssi
            .unwrap_or(i16::MIN)
            .cmp(&a.rssi.unwrap_or(i16::MIN))
            .then_with(|| a.address.cmp(&b.address))
    });
    let mut seen = std::collections::HashSet::new();
    candidates.retain(|c| seen.insert(c.address.to_ascii_uppercase()));
    candidates
}

/// Choose the strap to connect to. An explicitly named device is taken even when it does not
/// advertise 0x180D (the connect step then checks its services and says so); `Any` only
/// considers straps, the remembered one first, else the strongest.
pub fn pick<'a>(candidates: &'a [Candidate], wanted: &Wanted) -> Option<&'a Candidate> {
    match wanted {
        Wanted::Any { remembered } => {
            let hr: Vec<&Candidate> = candidates
                .iter()
                .filter(|c| c.is_heart_rate_strap())
                .collect();
            remembered
                .as_deref()
                .and_then(|r| {
                    hr.iter()
                        .copied()
                        .find(|c| c.address.eq_ignore_ascii_case(r))
                })
                .or_else(|| hr.into_iter().max_by_key(|c| c.rssi.unwrap_or(i16::MIN)))
        }
        named => candidates
            .iter()
            .filter(|c| named.names(c))
            .max_by_key(|c| (c.is_heart_rate_strap(), c.rssi.unwrap_or(i16::MIN))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use btleplug::api::bleuuid::uuid_from_u16;

    fn c(name: Option<&str>, addr: &str, rssi: Option<i16>, hr: bool) -> Candidate {
        Candidate {
            name: name.map(str::to_owned),
            address: addr.into(),
            rssi,
            services: if hr {
                vec![uuid_from_u16(0x180F), HEART_RATE_SERVICE]
            } else {
                vec![uuid_from_u16(0x1816)]
            },
        }
    }

    fn world() -> Vec<Candidate> {
        vec![
            c(Some("Polar H10 A1"), "AA:00:00:00:00:01", Some(-70), true),
            c(Some("Speaker"), "AA:00:00:00:00:02", Some(-30), false),
            c(Some("TICKR 55"), "aa:00:00:00:00:03", Some(-55), true),
            c(None, "AA:00:00:00:00:04", None, true),
        ]
    }

    #[test]
    fn addresses_and_names() {
        assert!(is_address("00:11:22:33:44:55"));
        assert!(is_address("aa:bb:cc:dd:ee:ff"));
        assert!(!is_address("00:11:22:33:44"));
        assert!(!is_address("Polar H10"));
        assert!(!is_address("00:11:22:33:44:5g"));
        assert_eq!(
            Wanted::from_arg("aa:bb:cc:dd:ee:ff"),
            Wanted::Address("AA:BB:CC:DD:EE:FF".into())
        );
        assert_eq!(Wanted::from_arg("polar"), Wanted::Name("polar".into()));
    }

    #[test]
    fn only_straps_strongest_first() {
        let s = straps(world());
        let addrs: Vec<&str> = s.iter().map(|c| c.address.as_str()).collect();
        assert_eq!(
            addrs,
            [
                "aa:00:00:00:00:03",
                "AA:00:00:00:00:01",
                "AA:00:00:00:00:04"
            ]
        );
    }

    #[test]
    fn any_prefers_the_remembered_strap_then_the_strongest() {
        let w = world();
        let any = Wanted::Any { remembered: None };
        assert_eq!(pick(&w, &any).unwrap().address, "aa:00:00:00:00:03");
        let remembered = Wanted::Any {
            remembered: Some("aa:00:00:00:00:01".into()),
        };
        assert_eq!(pick(&w, &remembered).unwrap().address, "AA:00:00:00:00:01");
        let gone = Wanted::Any {
            remembered: Some("AA:00:00:00:00:99".into()),
        };
        assert_eq!(pick(&w, &gone).unwrap().address, "aa:00:00:00:00:03");
        assert_eq!(pick(&[], &any), None);
    }

    #[test]
    fn named_devices_are_found_case_insensitively() {
        let w = world();
        assert_eq!(
            pick(&w, &Wanted::from_arg("AA:00:00:00:00:03"))
                .unwrap()
                .name
                .as_deref(),
            Some("TICKR 55")
        );
        assert_eq!(
            pick(&w, &Wanted::Name("polar".into())).unwrap().address,
            "AA:00:00:00:00:01"
        );
        // A named non-strap is still picked: connecting will say it has no Heart Rate Service.
        assert_eq!(
            pick(&w, &Wanted::Name("speaker".into())).unwrap().address,
            "AA:00:00:00:00:02"
        );
        assert_eq!(pick(&w, &Wanted::Name("garmin".into())), None);
    }
}
