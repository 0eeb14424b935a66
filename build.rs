// include_dir! embeds templates/ at compile time; make cargo rebuild when it changes,
// including when files are added or removed.
fn main() {
    println!("cargo:rerun-if-changed=templates");
}
