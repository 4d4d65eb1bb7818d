//! The catalog is the single source of truth: the binaries on disk, the README's table and the
//! catalog's own fields must agree with it.

use std::collections::BTreeSet;

use xtask::catalog::{self, CATALOG, Run};
use xtask::workspace;

#[test]
fn every_binary_is_in_the_catalog_and_every_entry_has_a_binary() {
    let on_disk = workspace::binaries_on_disk().expect("read the example crates");
    let listed: BTreeSet<(String, String)> = CATALOG
        .iter()
        .map(|e| (e.package.to_string(), e.name.to_string()))
        .collect();
    let missing_from_catalog: Vec<_> = on_disk.difference(&listed).collect();
    let missing_on_disk: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        missing_from_catalog.is_empty(),
        "binaries the catalog (xtask/src/catalog.rs) lacks: {missing_from_catalog:?}"
    );
    assert!(
        missing_on_disk.is_empty(),
        "catalog entries without a src/bin/NAME.rs in their package: {missing_on_disk:?}"
    );
}

#[test]
fn the_readme_table_is_the_catalog() {
    let readme = std::fs::read_to_string(workspace::root().join("README.md")).expect("README.md");
    let wanted = workspace::readme_with_table(&readme, &workspace::readme_table())
        .expect("README.md has the catalog markers");
    assert!(
        wanted == readme,
        "README.md's table differs from the catalog: run `cargo xtask readme`"
    );
}

#[test]
fn names_are_unique_and_agree_with_their_sections() {
    let mut seen = BTreeSet::new();
    for example in CATALOG {
        assert!(
            seen.insert(example.name),
            "{} is listed twice",
            example.name
        );
        let numbers = catalog::section_numbers(example.name);
        assert!(
            !numbers.is_empty(),
            "{}: a name starts with s<section>",
            example.name
        );
        assert!(
            example.name.starts_with(&format!("s{:02}", numbers[0])),
            "{}: the section number has two digits",
            example.name
        );
        let label: Vec<String> = numbers.iter().map(u32::to_string).collect();
        let prefix = format!("§{} ", label.join("."));
        assert!(
            example.section.starts_with(&prefix),
            "{}: its section {:?} should start with {prefix:?}",
            example.name,
            example.section
        );
        assert!(!example.summary.is_empty(), "{}: no summary", example.name);
    }
}

#[test]
fn companions_are_in_the_catalog() {
    for example in CATALOG {
        let companion = match example.run {
            Run::Server { client, .. } => client,
            Run::Client { server, .. } => server,
            _ => continue,
        };
        assert!(
            catalog::find(companion).is_some(),
            "{}: its companion {companion} is not in the catalog",
            example.name
        );
    }
}

#[test]
fn an_extension_names_a_snippet_program_of_its_own_section() {
    for example in CATALOG {
        let Some(program) = example.extends else {
            continue;
        };
        let extended = catalog::find(program).unwrap_or_else(|| {
            panic!(
                "{}: extends {program}, which is not in the catalog",
                example.name
            )
        });
        assert_eq!(
            extended.extends, None,
            "{}: extends {program}, itself an extension; name the snippet's own program",
            example.name
        );
        assert_eq!(
            extended.section, example.section,
            "{}: extends {program} of another section",
            example.name
        );
        // Its snippet runs beside it as beside the program it extends: the same files, the same
        // completion, the same input (compare ran §9.4's without f1.txt and timed out).
        assert!(
            std::ptr::eq(xtask::pairing::pairing_of(example), &extended.pairing),
            "{}: its snippet does not run as {program}'s does",
            example.name
        );
    }
}

#[test]
fn the_list_is_in_the_notes_order() {
    let order: Vec<Vec<u32>> = catalog::in_notes_order()
        .iter()
        .map(|e| catalog::section_numbers(e.name))
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "{order:?}");
    assert_eq!(order.len(), CATALOG.len());
}
