//! lambda-new scaffolds AWS Lambda functions packaged as container images.
//!
//! Data flows one way: the command line ([`cli`]) becomes a [`request::Request`], which
//! [`choices::resolve`] completes and validates against the [`catalog::Catalog`];
//! [`render::render`] turns the choices into a [`render::Plan`] without touching the disk, and
//! [`write::write`] is the only code that does.

pub mod add;
pub mod answers;
pub mod catalog;
pub mod check;
pub mod choices;
pub mod cli;
pub mod error;
pub mod image_ref;
pub mod interrupt;
pub mod list;
pub mod name;
pub mod new_project;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod request;
pub mod sam_template;
pub mod settings;
pub mod summary;
pub mod update;
pub mod vcs;
pub mod wizard;
pub mod write;

/// The `templates/` folder, embedded so the binary works offline and can never drift from it.
pub static TEMPLATES: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/templates");
