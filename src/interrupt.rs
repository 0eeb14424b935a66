//! Terminating signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT). Before writing starts nothing is on
//! disk, so a signal may end the run at once: by its default action, or, while the wizard
//! asks, with 128+signal after showing the cursor a prompt may have hidden. From then on, only
//! note the signal: the writer checks between steps and undoes everything, so an interrupted
//! run leaves nothing behind either. Handlers are installed only where needed: a run that
//! neither asks nor writes (`--dry-run`) starts no signal thread.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::Signals;

/// Whether writing has begun. A mutex, not a flag: the wizard's handler exits while holding
/// it, so [`begin_writing`] cannot start a write that the exit would then leave half done.
static WRITING: Mutex<bool> = Mutex::new(false);
/// Whether [`for_prompts`] installed its handler, which also notes signals while writing.
static PROMPTS: AtomicBool = AtomicBool::new(false);
/// The signal noted while writing, 0 if none.
static REQUESTED: LazyLock<Arc<AtomicUsize>> = LazyLock::new(Arc::default);

/// The signals handled: every one that by default ends a process and can be caught, bar
/// those only sent for a fault (SIGSEGV ...) or by a timer.
pub const TERMINATING: [i32; 4] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT];

/// Before the wizard asks: a signal exits with 128+signal, showing the cursor, until writing
/// begins.
pub fn for_prompts() {
    // Fails only if the signal thread cannot start; then the default actions stay.
    let Ok(mut signals) = Signals::new(TERMINATING) else {
        return;
    };
    PROMPTS.store(true, Ordering::SeqCst);
    std::thread::spawn(move || {
        for signal in signals.forever() {
            let writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
            if *writing {
                REQUESTED.store(signal as usize, Ordering::SeqCst);
            } else {
                let term = console::Term::stderr();
                let _ = term.show_cursor();
                let _ = term.write_line("");
                std::process::exit(128 + signal);
            }
        }
    });
}

/// From now on a signal is noted for [`requested`] instead of ending the run.
pub fn begin_writing() {
    let mut writing = WRITING.lock().unwrap_or_else(|e| e.into_inner());
    if !PROMPTS.load(Ordering::SeqCst) {
        for signal in TERMINATING {
            // Only fails for a signal that cannot be caught; these four can.
            let _ =
                signal_hook::flag::register_usize(signal, Arc::clone(&REQUESTED), signal as usize);
        }
    }
    *writing = true;
}

/// The terminating signal received while writing, if any.
pub fn requested() -> Option<i32> {
    match REQUESTED.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal as i32),
    }
}

/// The signal's usual name, for messages.
pub fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT (Ctrl-C)",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        SIGQUIT => "SIGQUIT",
        _ => "a signal",
    }
}
