//! §11.3 单例模式: the singleton through `__new__`, and the module-level one.

use common::addresses;
use harness::example;

mod common;

#[test]
fn constructing_twice_through_new_gives_the_same_object() {
    let out = example(env!("CARGO_BIN_EXE_s11-3-singleton-new")).run_ok();
    let lines = out.lines();
    assert_eq!(lines.first(), Some(&"True"), "{}", out.report());
    assert_eq!(lines.len(), 2, "{}", out.report());
    assert!(lines[1].contains("obj2.name 是 武沛齐"), "{}", out.report());
}

#[test]
fn the_module_level_static_is_built_once_and_shared() {
    let out = example(env!("CARGO_BIN_EXE_s11-3-singleton-module")).run_ok();
    assert_eq!(out.count("utils：创建 single"), 1, "{}", out.report());
    out.assert_in_order(&[
        "utils：创建 single，name 为 武沛齐",
        "<utils.Singleton object at 0x",
        "<utils.Singleton object at 0x",
    ]);
    let found = addresses(&out.stdout);
    assert_eq!(found.len(), 2, "{}", out.report());
    assert_eq!(found[0], found[1], "{}", out.report());
    assert_eq!(out.lines().len(), 3, "{}", out.report());
}
