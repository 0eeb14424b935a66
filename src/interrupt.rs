//! Ctrl-C. While prompting nothing is written yet, so leave at once (showing the cursor a
//! prompt may have hidden). While writing, only note it: the writer checks between steps and
//! undoes everything, so an interrupted run leaves nothing behind either.

use std::sync::atomic::{AtomicBool, Ordering};

static WRITING: AtomicBool = AtomicBool::new(false);
static REQUESTED: AtomicBool = AtomicBool::new(false);

pub fn install() {
    // Fails only if a handler is set already, which this process never does twice.
    let _ = ctrlc::set_handler(|| {
        if WRITING.load(Ordering::SeqCst) {
            REQUESTED.store(true, Ordering::SeqCst);
        } else {
            let term = console::Term::stderr();
            let _ = term.show_cursor();
            let _ = term.write_line("");
            std::process::exit(130);
        }
    });
}

/// From now on Ctrl-C is noted for [`requested`] instead of exiting.
pub fn begin_writing() {
    WRITING.store(true, Ordering::SeqCst);
}

pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}
