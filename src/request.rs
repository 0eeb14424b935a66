//! The choices given so far, whatever their source ([`crate::settings`] merges the sources;
//! the wizard asks for the rest); [`crate::choices::resolve`] completes and validates them.

use std::collections::BTreeMap;

use crate::choices::{Architecture, BaseKind, Ci, UrlAuth, Vcs};

#[derive(Debug, Default, Clone)]
pub struct Request {
    pub name: Option<String>,
    pub runtime: Option<String>,
    pub base: Option<BaseKind>,
    pub base_image: Option<String>,
    pub architecture: Option<Architecture>,
    /// Family options by key (`language`, `dependency-manager`, ...).
    pub options: BTreeMap<String, String>,
    /// A trigger id from the catalog.
    pub trigger: Option<String>,
    pub function_url_auth: Option<UrlAuth>,
    pub description: Option<String>,
    pub memory_size: Option<u32>,
    pub timeout: Option<u32>,
    pub tracing: Option<bool>,
    pub json_logging: Option<bool>,
    /// Days; one of CloudWatch Logs' retention periods.
    pub log_retention_days: Option<u32>,
    pub reserved_concurrency: Option<u32>,
    pub vcs: Option<Vcs>,
    pub ci: Option<Ci>,
}
