//! The choices given so far, whatever their source; [`crate::choices::resolve`] completes them.

use std::collections::BTreeMap;

use crate::choices::{Architecture, BaseKind};
use crate::cli::NewArgs;

#[derive(Debug, Default, Clone)]
pub struct Request {
    pub name: Option<String>,
    pub runtime: Option<String>,
    pub base: Option<BaseKind>,
    pub base_image: Option<String>,
    pub architecture: Option<Architecture>,
    /// Family options by key (`language`, `dependency-manager`, ...).
    pub options: BTreeMap<String, String>,
}

impl From<&NewArgs> for Request {
    fn from(cli: &NewArgs) -> Self {
        Request {
            name: cli.name.clone().or_else(|| cli.name_flag.clone()),
            runtime: cli.runtime.clone(),
            base: cli.base,
            base_image: cli.base_image.clone(),
            architecture: cli.architecture,
            options: [
                ("language", &cli.language),
                ("dependency-manager", &cli.dependency_manager),
            ]
            .into_iter()
            .filter_map(|(key, value)| Some((key.to_owned(), value.clone()?)))
            .collect(),
        }
    }
}
