//! `lambda-new list`: the catalog as a table for people or JSON for scripts.

use clap::ValueEnum;
use serde::Serialize;

use crate::catalog::Catalog;
use crate::choices::Architecture;

#[derive(Debug, Serialize)]
pub struct Row<'c> {
    pub runtime: &'c str,
    pub family: &'c str,
    pub aws_image: &'c str,
    pub alternative_image: &'c str,
    pub architectures: Vec<&'static str>,
    /// `supported` or `deprecated`.
    pub status: &'static str,
    /// For a deprecated runtime, the day Lambda deprecated it; otherwise the planned day.
    pub deprecation_date: Option<&'c str>,
    /// Whether `--runtime <family>` picks this runtime.
    pub family_default: bool,
}

pub fn rows(catalog: &Catalog) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    for family in &catalog.families {
        let default = catalog.runtime(&family.id).ok().map(|(_, r)| r.id.as_str());
        for runtime in &family.runtimes {
            rows.push(Row {
                runtime: &runtime.id,
                family: &family.id,
                aws_image: &runtime.aws_image,
                alternative_image: &runtime.alternative_image,
                architectures: Architecture::value_variants()
                    .iter()
                    .map(|a| a.lambda_name())
                    .collect(),
                status: if runtime.deprecated.is_some() {
                    "deprecated"
                } else {
                    "supported"
                },
                deprecation_date: runtime
                    .deprecated
                    .as_deref()
                    .or(runtime.end_of_support.as_deref()),
                family_default: default == Some(runtime.id.as_str()),
            });
        }
    }
    rows
}

/// A trigger as `list --json` shows it.
#[derive(Debug, Serialize)]
pub struct TriggerRow<'c> {
    pub trigger: &'c str,
    pub name: &'c str,
    pub about: &'c str,
    /// The sample events a project gets, under `events/`.
    pub events: Vec<&'c str>,
    /// Whether a request without `--trigger` gets it.
    pub default: bool,
}

pub fn trigger_rows(catalog: &Catalog) -> Vec<TriggerRow<'_>> {
    let default = &catalog.default_trigger().id;
    catalog
        .triggers
        .iter()
        .map(|t| TriggerRow {
            trigger: &t.id,
            name: &t.name,
            about: &t.about,
            events: t.events.iter().map(|e| e.file.as_str()).collect(),
            default: t.id == *default,
        })
        .collect()
}

#[derive(Serialize)]
struct Listing<'c> {
    runtimes: Vec<Row<'c>>,
    triggers: Vec<TriggerRow<'c>>,
}

pub fn json(catalog: &Catalog) -> String {
    let listing = Listing {
        runtimes: rows(catalog),
        triggers: trigger_rows(catalog),
    };
    serde_json::to_string_pretty(&listing).expect("rows serialize") + "\n"
}

/// An aligned plain-text table.
pub fn table(catalog: &Catalog) -> String {
    let header = [
        "RUNTIME",
        "FAMILY",
        "AWS BASE IMAGE",
        "ALTERNATIVE IMAGE",
        "ARCHITECTURES",
        "STATUS",
    ];
    let mut lines: Vec<[String; 6]> = vec![header.map(str::to_owned)];
    for row in rows(catalog) {
        let status = match (row.status, row.deprecation_date) {
            ("deprecated", Some(date)) => format!("deprecated since {date}"),
            (_, Some(date)) => format!("supported (deprecation planned {date})"),
            (status, None) => status.to_owned(),
        };
        let runtime = if row.family_default {
            format!("{} *", row.runtime)
        } else {
            row.runtime.to_owned()
        };
        lines.push([
            runtime,
            row.family.to_owned(),
            row.aws_image.to_owned(),
            row.alternative_image.to_owned(),
            row.architectures.join(","),
            status,
        ]);
    }
    let mut out = aligned(&lines);
    out.push_str("* what `--runtime <family>` picks\n\n");
    let mut lines: Vec<[String; 3]> = vec![["TRIGGER", "NAME", "WHAT IT DOES"].map(str::to_owned)];
    for row in trigger_rows(catalog) {
        let id = if row.default {
            format!("{} *", row.trigger)
        } else {
            row.trigger.to_owned()
        };
        lines.push([id, row.name.to_owned(), row.about.to_owned()]);
    }
    out.push_str(&aligned(&lines));
    out.push_str("* the default; pick another with `--trigger KIND`\n");
    out
}

/// Rows of cells as text columns two spaces apart, each as wide as its widest cell.
fn aligned<const N: usize>(lines: &[[String; N]]) -> String {
    let widths: Vec<usize> = (0..N)
        .map(|i| {
            lines
                .iter()
                .map(|l| l[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for line in lines {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:w$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
