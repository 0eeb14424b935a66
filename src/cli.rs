//! The command line, as typed: no validation beyond what clap does.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::choices::{Architecture, BaseKind, Ci, UrlAuth, Vcs};

const EXAMPLES: &str = "\
Examples:
  lambda-new my-fn                                  Python on the AWS base image
  lambda-new my-fn --runtime python3.12 --architecture arm64
  lambda-new my-fn --runtime go --trigger sqs       a queue worker with a dead-letter queue
  lambda-new my-fn --base alternative               Debian slim + awslambdaric
  lambda-new my-fn --base-image python:3.14-alpine  your own base image
  lambda-new my-fn --dry-run                        list the files, write nothing
  lambda-new list                                   every runtime, its images and status
  lambda-new my-fn -d memory-size=1024 -d tracing=true --json
  LAMBDA_NEW_ARCHITECTURE=arm64 lambda-new my-fn    settings from the environment

Settings (for --define, --values-file and LAMBDA_NEW_<KEY>): name, runtime, trigger,
function-url-auth, base, base-image, architecture, language, dependency-manager, description,
memory-size, timeout, tracing, json-logging, log-retention-days, reserved-concurrency, vcs, ci.
Precedence: flag > --define > --values-file > environment > default.

Exit codes: 0 success, 1 the project could not be written (or the output of list, completions,
--dry-run, --help could not be printed), 2 bad input, 130 interrupted (Ctrl-C, Esc, or no at the
wizard's confirmation). A project that was written exits 0 even if its summary cannot be printed
(a warning says so). With --json, a failure prints {\"error\": {kind, message, exit_code}}.
A failed or interrupted run leaves nothing behind and never changes a file that existed.";

/// Scaffold an AWS Lambda function packaged as a container image: code, unit tests,
/// Dockerfile, SAM template, test events and a README with the commands to run it.
#[derive(Debug, Parser)]
#[command(
    name = "lambda-new",
    version,
    after_help = EXAMPLES,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub new: NewArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every runtime with its family, images, architectures and status, then every
    /// trigger.
    /// (A function named `list` needs `--name list`.)
    List {
        /// Print JSON for scripts instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Add a function to an existing SAM application (made by lambda-new or not): its folder,
    /// its events, and its resources and outputs inserted into template.yaml, leaving every
    /// byte already there as it was. (A function named `add` needs `--name add`.)
    Add(Box<AddArgs>),
    /// Check every image function of a SAM application (made by lambda-new or not): its base
    /// image against Lambda's runtime deprecations, its language release against the
    /// runtime, and for functions lambda-new generated, files changed or missing since,
    /// wiring removed from the template and version pins this lambda-new writes newer.
    /// Exit 0: nothing to act on; 1: something to act on (deprecated, deprecated within 90
    /// days, Amazon Linux 2, a release the runtime cannot load); 2: bad input. (A function
    /// named `check` needs `--name check`.)
    Check(CheckArgs),
    /// Bring functions lambda-new generated up to this version's templates, optionally on a
    /// newer runtime of the same family, keeping every change made to them since: each file
    /// is merged three ways (what was generated, the file as it is, the new render), and in
    /// template.yaml only the function's own resources and outputs change. Exit 0: updated
    /// (or nothing to do); 1: conflicts, written with <<<<<<< markers (ours: yours, theirs:
    /// lambda-new's) and listed (with --dry-run: that would be), or the project could not be
    /// written; 2: bad input or a dirty git work tree. (A function named `update` needs `--name update`.)
    Update(UpdateArgs),
    /// Print a shell completion script, e.g. `lambda-new completions bash > ~/.local/share/bash-completion/completions/lambda-new`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Creating a project: the default when no subcommand is given.
#[derive(Debug, Args)]
pub struct NewArgs {
    #[command(flatten)]
    pub function: FunctionArgs,

    /// The directory to create the project in; it must exist.
    #[arg(long, short = 'o', value_name = "DIR", default_value = ".")]
    pub output_dir: PathBuf,

    /// Write the project into OUTPUT_DIR itself (default: the current directory) instead of a
    /// new OUTPUT_DIR/NAME; NAME defaults to the directory's name. Existing files are kept:
    /// any clash is an error unless --overwrite is given.
    #[arg(long, conflicts_with = "force")]
    pub init: bool,

    /// Allow OUTPUT_DIR/NAME to exist already as an empty directory.
    #[arg(long)]
    pub force: bool,

    /// With --init: replace files that exist, and report each one replaced.
    #[arg(long, requires = "init")]
    pub overwrite: bool,

    /// Initialise a git repository in the new project (`git`; the default when git is
    /// installed and the project is not inside a repository already) or not (`none`).
    #[arg(long, value_enum, value_name = "VCS")]
    pub vcs: Option<Vcs>,
}

/// Adding a function to an existing SAM application.
#[derive(Debug, Args)]
pub struct AddArgs {
    #[command(flatten)]
    pub function: FunctionArgs,

    /// The application's directory: the one holding its template.yaml (or template.yml).
    /// Default: the nearest directory upwards from the current one that holds one.
    #[arg(long, short = 'p', value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// Move `Runtime`, `Handler` and `Layers` from the template's `Globals.Function` into
    /// every existing function that relies on them (an Image function must not inherit them;
    /// without this flag such a template is refused). The move is shown as a diff.
    #[arg(long)]
    pub move_globals: bool,
}

/// Checking an application.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The application's directory: the one holding its template.yaml (or template.yml).
    /// Default: the nearest directory upwards from the current one that holds one.
    #[arg(long, short = 'p', value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// Print one JSON document for scripts instead of the report.
    #[arg(long)]
    pub json: bool,

    /// Judge dates as on this day (YYYY-MM-DD) instead of today, e.g. to look a quarter
    /// ahead.
    #[arg(long, value_name = "DATE")]
    pub today: Option<String>,

    /// When to use colours; `auto` honours NO_COLOR and whether output is a terminal.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
}

/// Updating generated functions.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The functions to update, as named in .lambda-new.toml; default: every one there.
    #[arg(value_name = "NAME")]
    pub names: Vec<String>,

    /// Move to this runtime: one of the same family as each function's (e.g. python3.12 to
    /// python3.13), or the family's name for its newest. Default: the recorded runtime.
    #[arg(long, short = 'r', value_name = "RUNTIME")]
    pub runtime: Option<String>,

    /// The application's directory: the one holding its template.yaml and .lambda-new.toml.
    /// Default: the nearest directory upwards from the current one that holds a template.
    #[arg(long, short = 'p', value_name = "DIR")]
    pub project: Option<PathBuf>,

    /// Print what would change, as a unified diff per file, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Print one JSON document for scripts: per function, the files updated, merged,
    /// conflicted, kept and created.
    #[arg(long)]
    pub json: bool,

    /// Update even if the project's git work tree has uncommitted changes (by default
    /// refused, so that `git diff` shows exactly what the update did and `git checkout`
    /// undoes it). A --dry-run never needs it.
    #[arg(long)]
    pub allow_dirty: bool,

    /// When to use colours; `auto` honours NO_COLOR and whether output is a terminal.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
}

/// The function's choices and how to run: what `lambda-new NAME` and `lambda-new add NAME`
/// share.
#[derive(Debug, Args)]
pub struct FunctionArgs {
    /// The function's name: ASCII letters, digits, '-' and '_', starting with a letter, at
    /// most 64 characters. A new project is created as OUTPUT_DIR/NAME; an added function
    /// gets the folder NAME in the application.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,

    /// The function's name, for scripts that prefer flags to positional arguments.
    #[arg(long = "name", value_name = "NAME", conflicts_with = "name")]
    pub name_flag: Option<String>,

    /// The runtime: a family (`python` picks its newest supported version) or an exact
    /// runtime such as `python3.13`. Deprecated runtimes work, with a warning.
    #[arg(long, short = 'r', value_name = "RUNTIME")]
    pub runtime: Option<String>,

    /// The image to build on: `aws`, the AWS base image for the runtime (default), or
    /// `alternative`, a multi-stage build on a slim non-AWS image with the runtime interface
    /// client installed.
    #[arg(long, value_enum, value_name = "KIND")]
    pub base: Option<BaseKind>,

    /// The alternative base image to build on (implies `--base alternative`), with a tag or
    /// digest, e.g. `python:3.14-alpine`. It must fit the family's Dockerfile as the official
    /// language images do: Python at /usr/local/bin/python; for Node.js a Debian-based image
    /// (the build stage uses apt-get) with /usr/local/bin/node; for Java, java at
    /// /opt/java/openjdk/bin/java (eclipse-temurin images).
    #[arg(long, value_name = "IMAGE")]
    pub base_image: Option<String>,

    /// The instruction set the function runs on; default: this machine's.
    #[arg(long, value_enum, value_name = "ARCH")]
    pub architecture: Option<Architecture>,

    /// The event source the function serves, wired in template.yaml with its resources,
    /// sample events and a handler for it: `api` (default), `http-api`, `function-url`,
    /// `sqs`, `sns`, `s3`, `schedule`, `eventbridge`, `dynamodb` or `none`
    /// (`lambda-new list` describes each).
    #[arg(long, short = 't', value_name = "KIND")]
    pub trigger: Option<String>,

    /// With `--trigger function-url`: who may call the URL, `aws-iam` (default: callers
    /// sign requests with credentials allowed to invoke it) or `none` (public: anyone).
    #[arg(long, value_enum, value_name = "AUTH")]
    pub function_url_auth: Option<UrlAuth>,

    /// Node.js: `javascript` (ES modules; default) or `typescript` (compiled in the image's
    /// build stage, with source maps).
    #[arg(long, value_name = "LANGUAGE")]
    pub language: Option<String>,

    /// Java: the build tool, `maven` (default) or `gradle`.
    #[arg(long, value_name = "TOOL")]
    pub dependency_manager: Option<String>,

    /// The CI/CD pipeline: `github` (default: GitHub Actions workflow and an account
    /// bootstrap template), `gitlab` (`.gitlab-ci.yml` and the bootstrap) or `none`. With `add`: the pipeline to grow (`none`
    /// leaves it as it is).
    #[arg(long, value_enum, value_name = "CI")]
    pub ci: Option<Ci>,

    /// Never prompt: what is not given takes its default, and a missing NAME is an error.
    /// Without a terminal on stdin, lambda-new never prompts either.
    #[arg(long, short = 'y')]
    pub no_interactive: bool,

    /// Print the files that would be written, and write nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Set KEY to VALUE (repeatable), for any setting listed below, e.g. `-d timeout=30`.
    #[arg(long, short = 'd', value_name = "KEY=VALUE")]
    pub define: Vec<String>,

    /// Read settings from a flat TOML or YAML file of `key = value` pairs.
    #[arg(long, value_name = "FILE")]
    pub values_file: Option<PathBuf>,

    /// Print one JSON document describing the result (files, choices) instead of the summary;
    /// on failure, one describing the error.
    #[arg(long)]
    pub json: bool,

    /// Print nothing on success (warnings and errors still go to stderr).
    #[arg(long, short = 'q', conflicts_with = "json")]
    pub quiet: bool,

    /// When to use colours; `auto` honours NO_COLOR and whether output is a terminal.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
