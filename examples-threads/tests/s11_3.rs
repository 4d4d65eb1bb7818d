//! §11.3 单例模式: the module-level singleton.

use common::addresses;
use harness::example;

mod common;

#[test]
fn the_module_level_static_is_built_once_and_shared() {
    let out = example(env!("CARGO_BIN_EXE_s11-3-singleton-module")).run_ok();
    assert_eq!(out.count("utils：创建 single"), 1, "{}", out.report());
    out.assert_in_order(&["utils：创建 single", "object at", "object at"]);
    let found = addresses(&out.stdout);
    assert_eq!(found.len(), 2, "{}", out.report());
    assert_eq!(found[0], found[1], "{}", out.report());
    assert_eq!(out.lines().last(), Some(&"武沛齐 true"), "{}", out.report());
}
