//! The catalog: every family's `templates/<family>/family.yaml` and every trigger's
//! `templates/triggers/<kind>/trigger.yaml`, turned into JSON by build.rs and parsed here once
//! per run.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::Error;

/// Values handed to a family's templates as `{{vars.NAME}}`.
pub type Vars = BTreeMap<String, serde_yaml::Value>;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Family {
    /// Also the name of the family's folder under `templates/`.
    pub id: String,
    pub name: String,
    /// Handlebars template of the handler string passed as the image's CMD.
    pub handler: String,
    /// ENTRYPOINT on an alternative base image: the runtime interface client.
    pub alternative_entrypoint: Vec<String>,
    #[serde(default)]
    vars: RawVars,
    /// Choices only this family has, such as TypeScript or the build tool.
    #[serde(default)]
    pub options: Vec<FamilyOption>,
    /// Newest first.
    pub runtimes: Vec<Runtime>,
}

/// The names a language reserves (keywords, standard modules a function's module would
/// shadow), as a compact JSON array of identifiers. build.rs keeps each family's beside the
/// catalog ([`Family::reserved_identifiers`]): a run looks up two words in one family's
/// list, and reading every family's was most of the catalog.
#[derive(Debug, Clone, Copy)]
pub struct Reserved(&'static str);

include!(concat!(env!("OUT_DIR"), "/reserved.rs"));

impl Reserved {
    /// Whether `word` is one of them. JSON writes identifiers as they are between quotes (a
    /// test checks every family's), so the word in quotes is found exactly when it is an
    /// element.
    pub fn contains(&self, word: &str) -> bool {
        self.0.contains(&format!("\"{word}\""))
    }

    pub fn words(&self) -> Vec<String> {
        serde_json::from_str(self.0).expect("build.rs wrote a list of strings")
    }

    #[cfg(test)]
    pub fn from_words(words: &[&str]) -> Reserved {
        Reserved(
            serde_json::to_string(words)
                .expect("strings serialize")
                .leak(),
        )
    }
}

impl Default for Reserved {
    fn default() -> Reserved {
        Reserved("[]")
    }
}

/// A family's own choice. Each value has template layers `<family>/<value>/common` and
/// `<family>/<value>/<base>`, applied after the family's own.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyOption {
    /// The command-line flag (`--KEY`) and the key templates read under `options`.
    pub key: String,
    /// What the choice is about, for help texts and prompts.
    pub about: String,
    /// The first one is the default.
    pub values: Vec<OptionValue>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionValue {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Runtime {
    pub id: String,
    pub version: String,
    pub aws_image: String,
    pub alternative_image: String,
    /// The date Lambda deprecated it, once that has happened.
    pub deprecated: Option<String>,
    /// The date Lambda plans to deprecate it.
    pub end_of_support: Option<String>,
    /// Whether its AWS base image is built on Amazon Linux 2 (end of life: see
    /// [`crate::check::lifecycle`]).
    #[serde(default)]
    pub amazon_linux_2: bool,
    /// Replaces the family's `alternative_entrypoint` for this runtime (e.g. a JVM flag
    /// that older JVMs reject).
    pub alternative_entrypoint: Option<Vec<String>>,
    #[serde(default)]
    vars: RawVars,
}

/// A family's or a runtime's `vars`, kept as the catalog's JSON text: a run reads one
/// runtime's ([`Family::vars_for`]), and parsing every family's was a third of the catalog.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
struct RawVars(Option<Box<RawValue>>);

impl RawVars {
    fn parsed(&self) -> Vars {
        self.0.as_ref().map_or_else(Vars::new, |raw| {
            serde_json::from_str(raw.get()).expect("build.rs wrote vars as a JSON object")
        })
    }
}

/// An event source a function can be wired to. Its files are the layer
/// `triggers/<id>/common` (sample events and the partials the shared SAM template and README
/// include) and, per family, `<family>/triggers/<id>` (the handler and its unit tests).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// Also the name of its folder under `templates/triggers/`.
    pub id: String,
    pub name: String,
    /// One line for `lambda-new list` and the wizard.
    pub about: String,
    /// Where it comes in lists; the first one is the default.
    pub position: u32,
    /// The sample events under the project's `events/`; the first is the one the README's
    /// generic commands send.
    pub events: Vec<TriggerEvent>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerEvent {
    /// Its file name under `events/`.
    pub file: String,
    pub about: String,
    /// What every family's handler answers to it; the tests hold each handler to it (the
    /// binary does not read it, so it stays text until [`TriggerEvent::expected`]).
    #[serde(skip_serializing)]
    pub expect: Box<RawValue>,
}

impl TriggerEvent {
    /// What every family's handler answers to it.
    pub fn expected(&self) -> serde_json::Value {
        serde_json::from_str(self.expect.get()).expect("build.rs wrote it as JSON")
    }
}

#[derive(Debug)]
pub struct Catalog {
    pub families: Vec<Family>,
    /// In `position` order: the first one is the default.
    pub triggers: Vec<Trigger>,
}

impl Catalog {
    /// The catalog embedded in this binary.
    pub fn embedded() -> Result<Catalog, Error> {
        let mut families: Vec<Family> =
            parse(include_str!(concat!(env!("OUT_DIR"), "/catalog.json")))?;
        families.sort_by(|a, b| a.id.cmp(&b.id));
        let mut triggers: Vec<Trigger> =
            parse(include_str!(concat!(env!("OUT_DIR"), "/triggers.json")))?;
        triggers.sort_by_key(|t| t.position);
        Ok(Catalog { families, triggers })
    }

    /// Resolves a `--trigger` value.
    pub fn trigger(&self, id: &str) -> Result<&Trigger, Error> {
        if let Some(trigger) = self.triggers.iter().find(|t| t.id == id) {
            return Ok(trigger);
        }
        let valid: Vec<String> = self.triggers.iter().map(|t| t.id.clone()).collect();
        Err(Error::UnknownTrigger {
            given: id.to_owned(),
            suggestion: closest(id, &valid),
            valid,
        })
    }

    /// The trigger a request without `--trigger` gets.
    pub fn default_trigger(&self) -> &Trigger {
        &self.triggers[0]
    }

    /// Resolves a `--runtime` value: a family id picks its newest supported runtime,
    /// anything else must be an exact runtime id.
    pub fn runtime(&self, spec: &str) -> Result<(&Family, &Runtime), Error> {
        for family in &self.families {
            if family.id == spec {
                let newest = family.runtimes.iter().find(|r| r.deprecated.is_none());
                if let Some(runtime) = newest {
                    return Ok((family, runtime));
                }
            }
            if let Some(runtime) = family.runtimes.iter().find(|r| r.id == spec) {
                return Ok((family, runtime));
            }
        }
        let valid = self.runtime_names();
        Err(Error::UnknownRuntime {
            given: spec.to_owned(),
            suggestion: closest(spec, &valid),
            valid,
        })
    }

    /// Every accepted `--runtime` value: each family id, then its runtime ids.
    pub fn runtime_names(&self) -> Vec<String> {
        self.families
            .iter()
            .flat_map(|f| {
                std::iter::once(f.id.clone()).chain(f.runtimes.iter().map(|r| r.id.clone()))
            })
            .collect()
    }
}

/// Parses build.rs's `{file: document}` JSON into one value per document.
fn parse<T: serde::de::DeserializeOwned>(json: &'static str) -> Result<Vec<T>, Error> {
    // Each file's document is read straight into its type, not into a `Value` first, in one
    // pass; only a failure reads the documents again, one at a time, to name the file.
    let documents: Result<Vec<(&str, T)>, _> = serde_json::from_str(json);
    documents
        .map(|documents| {
            documents
                .into_iter()
                .map(|(_, document)| document)
                .collect()
        })
        .map_err(|e| {
            let by_file: Vec<(&str, &RawValue)> = serde_json::from_str(json).unwrap_or_default();
            let named = by_file.into_iter().find_map(|(file, document)| {
                let error = serde_json::from_str::<T>(document.get()).err()?;
                Some(format!("{file}: {error}"))
            });
            Error::Internal(named.unwrap_or_else(|| format!("embedded catalog: {e}")))
        })
}

/// The valid value most like `given`, if one is close enough to be a typo of it.
fn closest(given: &str, valid: &[String]) -> Option<String> {
    valid
        .iter()
        .map(|v| (strsim::jaro_winkler(given, v), v))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v.clone())
}

impl Family {
    /// The names the family's language reserves (`reserved_identifiers` in its family.yaml).
    pub fn reserved_identifiers(&self) -> Reserved {
        RESERVED
            .iter()
            .find(|(family, _)| *family == self.id)
            .map_or_else(Reserved::default, |(_, words)| Reserved(words))
    }

    /// The family's variables with the runtime's own on top.
    pub fn vars_for(&self, runtime: &Runtime) -> Vars {
        let mut vars = self.vars.parsed();
        vars.extend(runtime.vars.parsed());
        vars
    }

    /// The ENTRYPOINT on an alternative base image: the runtime's own, else the family's.
    pub fn alternative_entrypoint_for<'a>(&'a self, runtime: &'a Runtime) -> &'a [String] {
        runtime
            .alternative_entrypoint
            .as_deref()
            .unwrap_or(&self.alternative_entrypoint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TEMPLATES;

    fn catalog() -> Catalog {
        Catalog::embedded().expect("embedded catalog parses")
    }

    #[test]
    fn a_document_the_types_refuse_is_named_by_its_file() {
        macro_rules! good {
            () => {
                r#"["templates/a/trigger.yaml", {"id": "a", "name": "A", "about": "",
                    "position": 0, "events": []}]"#
            };
        }
        let bad = concat!(
            "[",
            good!(),
            r#", ["templates/b/trigger.yaml", {"id": 2}]]"#
        );
        let error = parse::<Trigger>(bad).unwrap_err().to_string();
        assert!(
            error.contains("templates/b/trigger.yaml: invalid type"),
            "{error}"
        );
        let good = concat!("[", good!(), "]");
        assert_eq!(parse::<Trigger>(good).unwrap()[0].id, "a");
    }

    #[test]
    fn each_family_s_reserved_words_are_its_family_yaml_s() {
        for family in &catalog().families {
            let path = format!("{}/family.yaml", family.id);
            let file = TEMPLATES
                .get_file(&path)
                .expect("every family has a family.yaml");
            let yaml: serde_yaml::Value = serde_yaml::from_slice(file.contents()).unwrap();
            let listed: Vec<String> = yaml
                .get("reserved_identifiers")
                .map(|words| serde_yaml::from_value(words.clone()).unwrap())
                .unwrap_or_default();
            assert_eq!(family.reserved_identifiers().words(), listed, "{path}");
        }
    }

    #[test]
    fn a_reserved_word_is_found_exactly() {
        let catalog = Catalog::embedded().unwrap();
        let mut seen = 0;
        for family in &catalog.families {
            let reserved = family.reserved_identifiers();
            let words = reserved.words();
            for word in &words {
                // What contains() relies on: JSON writes the word as it is, between quotes.
                assert_eq!(serde_json::to_string(word).unwrap(), format!("\"{word}\""));
                assert!(reserved.contains(word), "{word}");
                for part in [&word[1..], &word[..word.len() - 1]] {
                    let listed = words.iter().any(|w| w == part);
                    assert_eq!(reserved.contains(part), listed, "{part}");
                }
                seen += 1;
            }
            assert!(!reserved.contains("not_a_reserved_word"));
        }
        assert!(seen > 1000, "{seen} reserved words");
    }

    #[test]
    fn every_family_has_templates_and_a_supported_runtime() {
        let catalog = catalog();
        assert!(!catalog.families.is_empty());
        for family in &catalog.families {
            for part in ["common", "aws", "alternative"] {
                assert!(
                    TEMPLATES.get_dir(format!("{}/{part}", family.id)).is_some(),
                    "templates/{}/{part} is missing",
                    family.id
                );
            }
            assert!(
                family.runtimes.iter().any(|r| r.deprecated.is_none()),
                "{} has no supported runtime",
                family.id
            );
            for option in &family.options {
                assert!(
                    !option.values.is_empty(),
                    "{}: option {} has no values",
                    family.id,
                    option.key
                );
                for value in &option.values {
                    assert!(
                        TEMPLATES
                            .get_dir(format!("{}/{}", family.id, value.id))
                            .is_some(),
                        "templates/{}/{} is missing",
                        family.id,
                        value.id
                    );
                }
            }
            let from_first_deprecated = family
                .runtimes
                .iter()
                .skip_while(|r| r.deprecated.is_none());
            assert!(
                from_first_deprecated
                    .clone()
                    .all(|r| r.deprecated.is_some()),
                "{}: list supported runtimes first, then the deprecated ones",
                family.id
            );
        }
    }

    /// A trigger is a folder: its layer holds every event it lists and every partial the
    /// shared templates include; its expectations use only what the tests check.
    #[test]
    fn every_trigger_has_its_layer_events_and_partials() {
        let catalog = catalog();
        assert_eq!(catalog.default_trigger().id, "api");
        let mut positions: Vec<u32> = catalog.triggers.iter().map(|t| t.position).collect();
        positions.dedup();
        assert_eq!(
            positions.len(),
            catalog.triggers.len(),
            "positions are unique"
        );
        for trigger in &catalog.triggers {
            let layer = format!("triggers/{}/common", trigger.id);
            assert!(TEMPLATES.get_dir(&layer).is_some(), "{layer} is missing");
            assert_eq!(trigger.events[0].file, "event.json", "{}", trigger.id);
            for event in &trigger.events {
                let path = format!("{layer}/events/{}", event.file);
                assert!(
                    TEMPLATES.get_file(&path).is_some()
                        || TEMPLATES.get_file(format!("{path}.hbs")).is_some(),
                    "{path} is missing"
                );
                let expect = event.expected();
                let expect = expect.as_object().expect("expect is a mapping");
                assert!(!expect.is_empty(), "{path}: expects nothing");
                for key in expect.keys() {
                    assert!(
                        ["http", "answer", "error", "logs"].contains(&key.as_str()),
                        "{path}: unknown expectation {key}"
                    );
                }
            }
            for partial in [
                "trigger_properties",
                "trigger_resources",
                "trigger_outputs",
                "trigger_layout",
                "trigger_readme",
            ] {
                let path = format!("{layer}/_partials/{partial}.hbs");
                assert!(TEMPLATES.get_file(&path).is_some(), "{path} is missing");
            }
        }
    }

    #[test]
    fn runtime_ids_are_unique() {
        let names = catalog().runtime_names();
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
    }

    #[test]
    fn family_name_picks_newest_supported() {
        let catalog = catalog();
        let (family, runtime) = catalog.runtime("python").unwrap();
        assert_eq!(family.id, "python");
        assert_eq!(runtime.id, "python3.14");
        assert!(runtime.deprecated.is_none());
    }

    #[test]
    fn exact_ids_resolve_including_deprecated() {
        let catalog = catalog();
        assert_eq!(catalog.runtime("python3.12").unwrap().1.version, "3.12");
        let (_, old) = catalog.runtime("python3.9").unwrap();
        assert_eq!(old.deprecated.as_deref(), Some("2025-12-15"));
    }

    #[test]
    fn unknown_runtime_suggests_the_closest() {
        let Err(Error::UnknownRuntime {
            suggestion, valid, ..
        }) = catalog().runtime("pyhton3.13")
        else {
            panic!("expected UnknownRuntime");
        };
        assert_eq!(suggestion.as_deref(), Some("python3.13"));
        assert!(valid.contains(&"python3.14".to_owned()));
        let Err(Error::UnknownRuntime { suggestion, .. }) = catalog().runtime("cobol") else {
            panic!("expected UnknownRuntime");
        };
        assert_eq!(suggestion, None);
    }

    #[test]
    fn runtime_vars_override_family_vars() {
        let catalog = catalog();
        let (family, runtime) = catalog.runtime("python3.9").unwrap();
        let vars = family.vars_for(runtime);
        assert_eq!(vars["pytest_version"].as_str(), Some("8.4.2"));
        let (family, runtime) = catalog.runtime("python3.14").unwrap();
        assert_ne!(
            family.vars_for(runtime)["pytest_version"].as_str(),
            Some("8.4.2")
        );
    }
}
