//! What the talk-test calibration says: the safety line, the warm-up and cool-down prompts,
//! each stage's instruction in the modality's terms (docs/science.md §3, §20: +2 % grade walking,
//! +25 W on a bike, "a little faster" running) and the passages to read aloud, about 90-100
//! words each, rotated from stage to stage. Words only: no timing, no I/O.

use serde::Serialize;

/// What the person is doing the test on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Modality {
    /// A treadmill walk: the same speed, the grade rising.
    Walk,
    /// Running: a little faster each stage.
    Run,
    /// A bike or an ergometer: watts rising.
    Bike,
    /// Anything else: a little harder each stage.
    Other,
}

impl Modality {
    /// Every modality, as `--modality` spells them.
    pub const IDS: [&'static str; 4] = ["walk", "run", "bike", "other"];

    /// The id in the CLI, JSON and the store.
    pub fn id(self) -> &'static str {
        match self {
            Modality::Walk => "walk",
            Modality::Run => "run",
            Modality::Bike => "bike",
            Modality::Other => "other",
        }
    }

    /// The modality for an id from [`Modality::id`].
    pub fn from_id(id: &str) -> Option<Modality> {
        [
            Modality::Walk,
            Modality::Run,
            Modality::Bike,
            Modality::Other,
        ]
        .into_iter()
        .find(|m| m.id() == id)
    }

    /// The workload's units, for the prompt that asks for it.
    pub fn workload_hint(self) -> &'static str {
        match self {
            Modality::Walk => "speed and grade, e.g. 5 km/h 4 %",
            Modality::Run => "speed or pace, e.g. 9 km/h",
            Modality::Bike => "watts, e.g. 125 W",
            Modality::Other => "anything that says how hard, e.g. level 6",
        }
    }
}

/// Shown before the test starts.
pub const SAFETY: &str = "Stop at once if you feel chest pain, dizziness or unusual \
    breathlessness. If you have a heart condition or are unsure whether hard exercise is safe for \
    you, ask a doctor first.";

/// Shown when the test is over.
pub const COOL_DOWN: &str =
    "Cool down: keep moving at an easy pace for about 5 minutes, then stop.";

/// The warm-up's instruction.
pub fn warm_up(m: Modality, minutes: f64) -> String {
    let how = match m {
        Modality::Walk => "walk at a brisk, comfortable speed on the flat",
        Modality::Run => "jog at an easy pace you could keep up for an hour",
        Modality::Bike => "pedal easily, at a light resistance (about 50 W)",
        Modality::Other => "move at an easy effort",
    };
    format!("Warm-up, {minutes:.0} min: {how}. No questions yet.")
}

/// What to do in stage `stage` (1 is the first after the warm-up).
pub fn stage_instruction(m: Modality, stage: u32) -> &'static str {
    match (m, stage) {
        (Modality::Walk, 1) => "Keep the same speed for the whole test; stay on the flat (0 %).",
        (Modality::Walk, _) => "Walk at the same speed, raise the grade by 2 %.",
        (Modality::Run, 1) => "Run at an easy pace, a little quicker than the warm-up.",
        (Modality::Run, _) => "A little faster.",
        (Modality::Bike, 1) => "Pedal at 75 W (or one gear harder than the warm-up).",
        (Modality::Bike, _) => "Add 25 W (or one harder gear).",
        (Modality::Other, 1) => "A little harder than the warm-up.",
        (Modality::Other, _) => "A little harder.",
    }
}

/// The passages, about 90-100 words each (docs/science.md §3: ~30 s of reading aloud).
pub const PASSAGES: [&str; 5] = [
    "The old bakery on the corner opens before the sun comes up. By six the whole street smells \
     of warm bread, and a small queue has already formed outside the green door. The baker \
     knows most people by name and often by what they will order. She says the secret is not \
     the flour or the oven but patience, because good dough cannot be hurried. On rainy days she \
     puts a bench under the awning so that nobody has to wait in the wet, and on Fridays there \
     are cinnamon rolls for the children.",
    "Every spring the river rises with melted snow from the hills, and the meadow by the bridge \
     turns into a shallow lake for a week or two. Herons come to fish in it, standing perfectly \
     still until something moves. Families walk out along the raised path to watch them, and \
     the older people remember years when the water reached the church steps. When it drains \
     away the grass grows back greener than before, and by summer the meadow is full of \
     wildflowers, bees and people having long, slow picnics in the afternoon.",
    "My neighbour grows tomatoes on her balcony, eleven floors above the busy road. She started \
     with one plant in a bucket and now has twelve, tied to canes with strips of an old shirt. \
     Each morning she waters them before work and talks to them quietly, which she says makes \
     no difference at all but makes her feel better. In August she leaves bags of tomatoes by \
     the lift with a note that says help yourself. Nobody in the building has bought a tomato \
     in the summer for years, and everyone now knows her name.",
    "The library in our town was built more than a hundred years ago with money collected from \
     the people who worked in the mills. Above the entrance there is a line carved in stone \
     that says knowledge belongs to everyone. Inside, the floors creak and the tall windows \
     let in long bars of light in the late afternoon. Students study at the wooden tables, old \
     men read the newspapers, and small children sit on the carpet for stories on Saturday \
     mornings. It is warm in winter, cool in summer and always quiet.",
    "Learning to swim as an adult takes a kind of courage that children do not need. At first \
     the water feels like an enemy, and every breath seems to come too late. The teacher tells \
     you to relax, which is the hardest instruction of all. Then one day, without noticing \
     exactly when, you float. Your arms and legs begin to work together, and the far wall of \
     the pool comes closer with each length. After a few months you look forward to the cool \
     water and the calm it brings to a busy week.",
];

/// The passage for stage `stage`: the passages in turn.
pub fn passage(stage: u32) -> &'static str {
    PASSAGES[(stage.max(1) as usize - 1) % PASSAGES.len()]
}

/// The speaking question with its keys, for the terminal.
pub const ASK_SPEAK: &str = "Could you speak comfortably?  1 yes   2 not quite   3 no";
/// The singing question with its keys, for the terminal.
pub const ASK_SING: &str = "Could you have sung it?  y yes   n no";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_passage_is_90_to_100_words() {
        for (i, p) in PASSAGES.iter().enumerate() {
            let words = p.split_whitespace().count();
            assert!((90..=100).contains(&words), "passage {i}: {words} words");
        }
    }

    #[test]
    fn passages_rotate_and_differ() {
        assert_eq!(passage(1), PASSAGES[0]);
        assert_eq!(passage(5), PASSAGES[4]);
        assert_eq!(passage(6), PASSAGES[0]);
        assert_ne!(passage(1), passage(2));
    }

    #[test]
    fn modalities_round_trip_and_say_the_increments_of_the_protocol() {
        for id in Modality::IDS {
            assert_eq!(Modality::from_id(id).map(Modality::id), Some(id));
        }
        assert!(stage_instruction(Modality::Walk, 2).contains("2 %"));
        assert!(stage_instruction(Modality::Bike, 3).contains("25 W"));
        assert_eq!(stage_instruction(Modality::Run, 4), "A little faster.");
    }
}
