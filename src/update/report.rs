//! What `update` did (or would do), for the person and for scripts.

use std::fmt::Write;
use std::path::Path;

use console::style;
use serde::Serialize;

use super::template;
use crate::output;
use crate::render::Plan;

/// One function's update.
#[derive(Debug, Clone, Serialize)]
pub struct FunctionReport {
    pub name: String,
    pub from_runtime: String,
    pub runtime: String,
    /// Where what was generated came from: `render` (this version's render of the recorded
    /// answers, proven by the recorded hashes), `git` (the project's history), joined by `+`,
    /// with `none` when a changed file had no base (it was kept).
    pub base: String,
    /// Replaced by the new render: the person had not changed them.
    pub updated: Vec<String>,
    /// The person's changes and the new render's, merged.
    pub merged: Vec<String>,
    /// Written with conflict markers.
    pub conflicted: Vec<String>,
    /// Left as they are.
    pub kept: Vec<Kept>,
    pub created: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    pub path: String,
    pub reason: &'static str,
}

impl FunctionReport {
    pub fn new(name: &str, from: &str, to: &str) -> FunctionReport {
        FunctionReport {
            name: name.to_owned(),
            from_runtime: from.to_owned(),
            runtime: to.to_owned(),
            base: String::new(),
            updated: Vec::new(),
            merged: Vec::new(),
            conflicted: Vec::new(),
            kept: Vec::new(),
            created: Vec::new(),
        }
    }

    pub fn kept(&mut self, path: &str, reason: &'static str) {
        self.kept.push(Kept {
            path: path.to_owned(),
            reason,
        });
    }

    /// The template's entries, as `template.yaml#Resources/Id`.
    pub fn add_template(&mut self, template_name: &str, merged: &template::Merged) {
        let at = |entry: &String| format!("{template_name}#{entry}");
        self.updated.extend(merged.updated.iter().map(at));
        self.merged.extend(merged.merged.iter().map(at));
        self.conflicted.extend(merged.conflicted.iter().map(at));
        self.created.extend(merged.created.iter().map(at));
        for (entry, reason) in &merged.kept {
            self.kept(&at(entry), reason);
        }
    }

    /// Whether `path` is among the files this function's update writes (the application's
    /// own files are, when they follow this function).
    fn lists(&self, path: &str) -> bool {
        [&self.updated, &self.merged, &self.conflicted, &self.created]
            .iter()
            .any(|list| list.iter().any(|p| p == path))
    }

    fn changes(&self) -> usize {
        self.updated.len() + self.merged.len() + self.conflicted.len() + self.created.len()
    }
}

/// The whole run.
pub struct Summary<'a> {
    pub project: &'a Path,
    pub functions: &'a [FunctionReport],
    pub plan: &'a Plan,
    /// Pipeline files left as they are, with why.
    pub pipeline_kept: &'a [(String, String)],
    pub dry_run: bool,
}

impl Summary<'_> {
    fn conflicted(&self) -> Vec<&str> {
        self.functions
            .iter()
            .flat_map(|f| &f.conflicted)
            .map(String::as_str)
            .collect()
    }

    /// Files of the plan that are not a function's (the answers, the pipeline).
    fn project_files(&self) -> Vec<&str> {
        self.plan
            .files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| !p.starts_with("template.y"))
            .filter(|p| {
                !self
                    .functions
                    .iter()
                    .any(|f| p.starts_with(&format!("{}/", f.name)) || f.lists(p))
            })
            .collect()
    }

    pub fn text(&self) -> String {
        let mut out = String::new();
        for f in self.functions {
            let runtime = if f.from_runtime == f.runtime {
                f.runtime.clone()
            } else {
                format!("{} -> {}", f.from_runtime, f.runtime)
            };
            let verb = match (self.dry_run, f.conflicted.is_empty(), f.changes()) {
                (_, true, 0) if f.kept.is_empty() => "Up to date:",
                (_, true, 0) => "Not updated:",
                (true, true, _) => "Would update",
                (true, false, _) => "Conflicts would come from updating",
                (false, true, _) => "Updated",
                (false, false, _) => "Conflicts updating",
            };
            let verb = if f.conflicted.is_empty() {
                style(verb).green().bold()
            } else {
                style(verb).red().bold()
            };
            let _ = writeln!(out, "{verb} {} ({runtime}; base: {})", f.name, f.base);
            let rows = [
                ("updated", &f.updated),
                ("merged", &f.merged),
                ("conflicted", &f.conflicted),
                ("created", &f.created),
            ];
            for (what, paths) in rows {
                for path in paths {
                    let _ = writeln!(out, "  {what:<11} {}", output::printable(path));
                }
            }
            for kept in &f.kept {
                let _ = writeln!(
                    out,
                    "  {:<11} {}: {}",
                    "kept",
                    output::printable(&kept.path),
                    kept.reason
                );
            }
        }
        for (path, reason) in self.pipeline_kept {
            let _ = writeln!(
                out,
                "  {:<11} {path}: {}",
                "kept",
                output::printable(reason)
            );
        }
        let also = self.project_files();
        if !also.is_empty() {
            let also_verb = if self.dry_run {
                "Would also update"
            } else {
                "Also updated"
            };
            let _ = writeln!(out, "{also_verb}: {}", also.join(", "));
        }
        if self.dry_run {
            for file in &self.plan.files {
                out.push_str(&output::printable(&diff(file)));
            }
            out.push_str("Nothing was written (--dry-run).\n");
        }
        let conflicted = self.conflicted();
        if !conflicted.is_empty() {
            let _ = writeln!(
                out,
                "\n{} {} conflict(s){}: resolve the <<<<<<< ours (yours) / >>>>>>> theirs (lambda-new's) markers in {}, then run the function's tests.",
                style("Not done:").red().bold(),
                conflicted.len(),
                if self.dry_run {
                    " would be written"
                } else {
                    " written"
                },
                conflicted.join(", ")
            );
        }
        out
    }

    pub fn json(&self) -> String {
        let mut value = serde_json::json!({
            "project_dir": self.project.to_string_lossy(),
            "dry_run": self.dry_run,
            "conflicts": !self.conflicted().is_empty(),
            "functions": self.functions,
            "project_files": self.project_files(),
            "pipeline_kept": self.pipeline_kept.iter().map(|(path, reason)| serde_json::json!({
                "path": path, "reason": reason,
            })).collect::<Vec<_>>(),
        });
        if self.dry_run {
            value["diffs"] = self
                .plan
                .files
                .iter()
                .map(|f| serde_json::json!({"path": f.path, "diff": diff(f)}))
                .collect();
        }
        serde_json::to_string_pretty(&value).expect("JSON values serialize") + "\n"
    }
}

/// A planned file as a unified diff against what it replaces (nothing, for a new file).
fn diff(file: &crate::render::PlannedFile) -> String {
    let old = String::from_utf8_lossy(file.replaces.as_deref().unwrap_or_default());
    let new = String::from_utf8_lossy(&file.contents);
    let old_name = match file.replaces {
        Some(_) => format!("a/{}", file.path),
        None => "/dev/null".to_owned(),
    };
    similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .context_radius(3)
        .header(&old_name, &format!("b/{}", file.path))
        .to_string()
}
