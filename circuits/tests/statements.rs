//! Every statement, honest and dishonest (DESIGN.md §10): each way a dishonest prover could
//! cheat leaves the constraint system unsatisfiable.

mod common;

use common::*;
use probity_circuits::{
    AssetIncludedCircuit, AssetWitness, CategoryTotalRangeCircuit, DeclarationWitness,
    NetWorthRangeCircuit, WealthGrowthCircuit,
};
use probity_core::{
    i128_to_field, poseidon::poseidon4, Amount, AssetId, AssetIncluded, Capacity, Category,
    CategoryTotalRange, Fr, NetWorthRange, Opening, SignedAmount, WealthGrowth,
};

const C16: Capacity = Capacity::C16;

fn nwr(opening: &Opening, lo: i64, hi: i64) -> bool {
    let inputs = NetWorthRange {
        commitment: opening.commitment(),
        official_tag: opening.official().tag(),
        period: opening.period(),
        lo: SignedAmount(lo),
        hi: SignedAmount(hi),
    };
    satisfied(NetWorthRangeCircuit::new(opening, &inputs))
}

/// net_worth_range over a raw witness with a natively recomputed commitment.
fn nwr_raw(w: DeclarationWitness, lo: Fr, hi: Fr) -> bool {
    let tag = official("GOV-0001").tag().0;
    let p = Fr::from(2026u64);
    let public = vec![raw_commitment(tag, p, &w), tag, p, lo, hi];
    satisfied(NetWorthRangeCircuit::from_parts(C16, public, w))
}

fn enc(x: i128) -> Fr {
    i128_to_field(x)
}

#[test]
fn net_worth_range_holds_exactly_at_its_bounds() {
    let o = open(2026, items_2026());
    assert_eq!(o.net_worth(), i128::from(NET_WORTH_2026));
    assert!(nwr(&o, NET_WORTH_2026, NET_WORTH_2026));
    assert!(nwr(&o, i64::MIN, i64::MAX));
    assert!(!nwr(&o, NET_WORTH_2026 + 1, i64::MAX), "one unit above lo");
    assert!(!nwr(&o, i64::MIN, NET_WORTH_2026 - 1), "one unit below hi");
}

#[test]
fn net_worth_range_is_correct_for_negative_net_worth_and_bounds() {
    // Assets 100.00, liabilities 105.00: net worth −5.00.
    let o = open(
        2026,
        vec![item(2, "acct", 10_000), item(17, "loan", 10_500)],
    );
    assert_eq!(o.net_worth(), -500);
    assert!(nwr(&o, -500, -500));
    assert!(nwr(&o, -1_000, -1));
    assert!(!nwr(&o, -499, 0), "lo one above");
    assert!(!nwr(&o, -1_000, -501), "hi one below");
    assert!(!nwr(&o, 0, 1_000), "positive band");
}

#[test]
fn net_worth_range_refuses_bounds_outside_i64() {
    let o = open(2026, items_2026());
    let w = DeclarationWitness::from_opening(&o);
    let min = i128::from(i64::MIN);
    let max = i128::from(i64::MAX);
    assert!(
        nwr_raw(w.clone(), enc(min), enc(max)),
        "the extreme valid encodings"
    );
    // Bounds that are true as integers but are not signed 64-bit encodings.
    assert!(
        !nwr_raw(w.clone(), enc(min - 1), enc(max)),
        "lo = -2^63 - 1"
    );
    assert!(!nwr_raw(w.clone(), enc(min), enc(max + 1)), "hi = 2^63");
    assert!(
        !nwr_raw(w.clone(), enc(0), -Fr::from(1u64) / Fr::from(2u64)),
        "hi = (p-1)/2"
    );
    assert!(!nwr_raw(w, enc(0), Fr::from(1u128 << 100)), "hi = 2^100");
}

fn deposit_slots(extra: probity_circuits::SlotWitness) -> DeclarationWitness {
    let deposit = AssetId("acct".into()).id_hash().0;
    raw_witness(vec![slot(2, deposit, Fr::from(1_000u64), 1), extra])
}

#[test]
fn net_worth_range_refuses_values_outside_64_bits() {
    let h = AssetId("x".into()).id_hash().0;
    // Control: an honest extra asset of 5 satisfies [1005, 1005].
    assert!(nwr_raw(
        deposit_slots(slot(15, h, Fr::from(5u64), 2)),
        enc(1_005),
        enc(1_005)
    ));
    // 2^64 + 5 as an asset.
    let big = Fr::from((1u128 << 64) + 5);
    assert!(!nwr_raw(
        deposit_slots(slot(15, h, big, 2)),
        enc(0),
        enc(i64::MAX as i128)
    ));
    // p − 600 as an "asset" is −600: a hidden liability that shrinks net worth to 400.
    assert!(!nwr_raw(
        deposit_slots(slot(15, h, -Fr::from(600u64), 2)),
        enc(400),
        enc(400)
    ));
    // p − 600 as a "liability" adds 600.
    assert!(!nwr_raw(
        deposit_slots(slot(16, h, -Fr::from(600u64), 2)),
        enc(1_600),
        enc(1_600)
    ));
}

#[test]
fn net_worth_range_refuses_invalid_categories_and_loaded_empty_slots() {
    let h = AssetId("x".into()).id_hash().0;
    for bad in [48u64, 63, 64, 255] {
        assert!(
            !nwr_raw(
                deposit_slots(slot(bad, h, Fr::from(5u64), 2)),
                enc(1_000),
                enc(1_005)
            ),
            "code {bad}"
        );
    }
    // −16 (p − 16) would read as "income" bits in a naive decomposition.
    let mut w = deposit_slots(slot(0, Fr::from(0u64), Fr::from(0u64), 2));
    w.slots[1].category = -Fr::from(16u64);
    assert!(!nwr_raw(w, enc(1_000), enc(1_000)));
    // Padding slots carry nothing: value or id_hash in a code-0 slot is refused.
    assert!(!nwr_raw(
        deposit_slots(slot(0, Fr::from(0u64), Fr::from(5u64), 2)),
        enc(1_005),
        enc(1_005)
    ));
    assert!(!nwr_raw(
        deposit_slots(slot(0, h, Fr::from(0u64), 2)),
        enc(1_000),
        enc(1_000)
    ));
    // Control: a true empty slot is fine.
    assert!(nwr_raw(
        deposit_slots(slot(0, Fr::from(0u64), Fr::from(0u64), 2)),
        enc(1_000),
        enc(1_000)
    ));
}

#[test]
fn net_worth_range_cannot_leave_out_a_liability() {
    let o = open(2026, items_2026());
    let without_mortgage = NET_WORTH_2026 + 150_000_000;
    assert!(!nwr(&o, without_mortgage, without_mortgage));
    assert!(!nwr(&o, NET_WORTH_2026 + 1, without_mortgage));
}

#[test]
fn net_worth_range_is_bound_to_the_official_and_the_period() {
    let o = open(2026, items_2026());
    let honest = NetWorthRange {
        commitment: o.commitment(),
        official_tag: o.official().tag(),
        period: o.period(),
        lo: SignedAmount(0),
        hi: SignedAmount(i64::MAX),
    };
    assert!(satisfied(NetWorthRangeCircuit::new(&o, &honest)));
    let other_official = NetWorthRange {
        official_tag: official("GOV-0002").tag(),
        ..honest
    };
    assert!(!satisfied(NetWorthRangeCircuit::new(&o, &other_official)));
    let other_period = NetWorthRange {
        period: period(2025),
        ..honest
    };
    assert!(!satisfied(NetWorthRangeCircuit::new(&o, &other_period)));
    let other_commitment = NetWorthRange {
        commitment: open(2026, vec![item(1, DEED, 1)]).commitment(),
        ..honest
    };
    assert!(!satisfied(NetWorthRangeCircuit::new(&o, &other_commitment)));
}

fn ctr(opening: &Opening, category: u8, lo: i64, hi: i64) -> bool {
    let inputs = CategoryTotalRange {
        commitment: opening.commitment(),
        official_tag: opening.official().tag(),
        period: opening.period(),
        category: Category::from_code(category).expect("valid"),
        lo: SignedAmount(lo),
        hi: SignedAmount(hi),
    };
    satisfied(CategoryTotalRangeCircuit::new(opening, &inputs))
}

#[test]
fn category_total_range_sums_one_category_exactly() {
    let mut items = items_2026();
    items.push(item(2, "second account", 3_000_000));
    let o = open(2026, items);
    assert!(ctr(&o, 2, 15_000_000, 15_000_000));
    assert!(!ctr(&o, 2, 15_000_001, i64::MAX));
    assert!(!ctr(&o, 2, 0, 14_999_999));
    // "Holds no securities": category 3 in [0, 0].
    assert!(ctr(&o, 3, 0, 0));
    let mut with_shares = items_2026();
    with_shares.push(item(3, "SH600000", 1));
    assert!(!ctr(&open(2026, with_shares), 3, 0, 0));
    // Liabilities sum as values too: the mortgage total.
    assert!(ctr(&o, 16, 150_000_000, 150_000_000));
}

#[test]
fn category_total_range_refuses_cancelling_values_and_bad_public_inputs() {
    let tag = official("GOV-0001").tag().0;
    let p = Fr::from(2026u64);
    let h = AssetId("SH600000".into()).id_hash().0;
    let run = |w: DeclarationWitness, category: Fr, lo: Fr, hi: Fr| {
        let public = vec![raw_commitment(tag, p, &w), tag, p, category, lo, hi];
        satisfied(CategoryTotalRangeCircuit::from_parts(C16, public, w))
    };
    // Securities of 5 and of p − 5 sum to 0 in the field: refused.
    let cancel = raw_witness(vec![
        slot(3, h, Fr::from(5u64), 1),
        slot(3, h, -Fr::from(5u64), 2),
    ]);
    assert!(!run(cancel, Fr::from(3u64), enc(0), enc(0)));
    let honest = raw_witness(vec![slot(3, h, Fr::from(5u64), 1)]);
    assert!(run(honest.clone(), Fr::from(3u64), enc(5), enc(5)));
    // A public category that is not a code: refused even though nothing matches it.
    assert!(!run(honest.clone(), Fr::from(48u64), enc(0), enc(0)));
    assert!(!run(
        honest.clone(),
        Fr::from(3u64),
        enc(5),
        Fr::from(1u128 << 63)
    ));
    assert!(!run(
        honest,
        Fr::from(3u64),
        enc(i128::from(i64::MIN) - 1),
        enc(5)
    ));
}

fn wg(prev: &Opening, curr: &Opening, tolerance: u64) -> bool {
    let inputs = WealthGrowth {
        commitment_prev: prev.commitment(),
        commitment_curr: curr.commitment(),
        official_tag: curr.official().tag(),
        period_prev: prev.period(),
        period_curr: curr.period(),
        tolerance: Amount(tolerance),
    };
    satisfied(WealthGrowthCircuit::new(prev, curr, &inputs))
}

#[test]
fn wealth_growth_holds_up_to_income_plus_tolerance_and_not_one_unit_more() {
    let prev = open(
        2025,
        vec![
            item(2, "acct", 100_000_000),
            item(16, MORTGAGE_ID, 160_000_000),
        ],
    );
    // Net worth −60,000,000 → 212,000,000: growth 272,000,000 against income 45,000,000.
    let curr = open(2026, items_2026());
    let growth = 272_000_000u64;
    let income = 45_000_000u64;
    assert!(
        wg(&prev, &curr, growth - income),
        "tolerance covers exactly the gap"
    );
    assert!(!wg(&prev, &curr, growth - income - 1), "one unit short");
    // Growth equal to income with no tolerance, and growth exceeding it by exactly 1.
    let curr_explained = open(
        2026,
        vec![
            item(2, "acct", 145_000_000),
            item(16, MORTGAGE_ID, 160_000_000),
            item(32, "", 45_000_000),
        ],
    );
    assert!(wg(&prev, &curr_explained, 0));
    let curr_plus_one = open(
        2026,
        vec![
            item(2, "acct", 145_000_001),
            item(16, MORTGAGE_ID, 160_000_000),
            item(32, "", 45_000_000),
        ],
    );
    assert!(!wg(&prev, &curr_plus_one, 0));
    assert!(wg(&prev, &curr_plus_one, 1));
    // Shrinking wealth is always explained.
    let richer_2025 = open(2025, items_2026());
    let poorer_2026 = open(2026, vec![item(2, "acct", 100_000_000)]);
    assert!(wg(&richer_2025, &poorer_2026, 0));
}

#[test]
fn wealth_growth_is_bound_to_both_commitments_the_official_and_the_periods() {
    let prev = open(2025, vec![item(2, "acct", 100_000_000)]);
    let curr = open(
        2026,
        vec![item(2, "acct", 110_000_000), item(32, "", 10_000_000)],
    );
    let honest = WealthGrowth {
        commitment_prev: prev.commitment(),
        commitment_curr: curr.commitment(),
        official_tag: curr.official().tag(),
        period_prev: prev.period(),
        period_curr: curr.period(),
        tolerance: Amount(0),
    };
    assert!(satisfied(WealthGrowthCircuit::new(&prev, &curr, &honest)));
    let swapped = WealthGrowth {
        commitment_prev: honest.commitment_curr,
        commitment_curr: honest.commitment_prev,
        ..honest
    };
    assert!(!satisfied(WealthGrowthCircuit::new(&prev, &curr, &swapped)));
    let other = WealthGrowth {
        official_tag: official("GOV-0002").tag(),
        ..honest
    };
    assert!(!satisfied(WealthGrowthCircuit::new(&prev, &curr, &other)));
    let other_period = WealthGrowth {
        period_prev: period(2024),
        ..honest
    };
    assert!(!satisfied(WealthGrowthCircuit::new(
        &prev,
        &curr,
        &other_period
    )));
    // A tolerance encoding at 2^64 is refused.
    let mut public = honest.to_public_inputs();
    public[WealthGrowth::TOLERANCE] = Fr::from(1u128 << 64);
    let w = |o: &Opening| DeclarationWitness::from_opening(o);
    assert!(!satisfied(WealthGrowthCircuit::from_parts(
        C16,
        public,
        w(&prev),
        w(&curr)
    )));
}

#[test]
fn wealth_growth_refuses_hidden_negative_values() {
    let tag = official("GOV-0001").tag().0;
    let (p0, p1) = (Fr::from(2025u64), Fr::from(2026u64));
    let acct = AssetId("acct".into()).id_hash().0;
    let prev = raw_witness(vec![slot(2, acct, Fr::from(100u64), 1)]);
    // 400 of new wealth hidden by a "negative" asset p − 400: growth looks like 0.
    let curr = raw_witness(vec![
        slot(2, acct, Fr::from(500u64), 1),
        slot(15, acct, -Fr::from(400u64), 2),
    ]);
    let public = vec![
        raw_commitment(tag, p0, &prev),
        raw_commitment(tag, p1, &curr),
        tag,
        p0,
        p1,
        Fr::from(0u64),
    ];
    assert!(!satisfied(WealthGrowthCircuit::from_parts(
        C16, public, prev, curr
    )));
}

fn ai(opening: &Opening, slot: usize, id: &str, min_value: u64) -> bool {
    let inputs = AssetIncluded {
        commitment: opening.commitment(),
        official_tag: opening.official().tag(),
        period: opening.period(),
        id_hash: AssetId(id.into()).id_hash(),
        min_value: Amount(min_value),
    };
    satisfied(AssetIncludedCircuit::new(opening, slot, &inputs))
}

#[test]
fn asset_included_finds_the_asset_at_its_value() {
    let o = open(2026, items_2026());
    assert!(ai(&o, 0, DEED, 350_000_000));
    assert!(ai(&o, 0, DEED, 0));
    // The id is normalized before hashing: spacing and case do not matter.
    assert!(ai(&o, 1, "62220202 0001 2345678", 12_000_000));
    assert!(
        !ai(&o, 0, DEED, 350_000_001),
        "one unit above the declared value"
    );
    assert!(
        !ai(&o, 0, "京(2020)朝阳区不动产权第0001235号", 0),
        "another certificate"
    );
}

#[test]
fn asset_included_refuses_liabilities_income_and_empty_slots() {
    let o = open(2026, items_2026());
    assert!(
        !ai(&o, 2, MORTGAGE_ID, 0),
        "the mortgage is a liability with that id"
    );
    assert!(!ai(&o, 3, "", 0), "income");
    assert!(!ai(&o, 9, "", 0), "an empty slot");
}

#[test]
fn asset_included_refuses_wrong_paths_and_bad_encodings() {
    let o = open(2026, items_2026());
    let inputs = AssetIncluded {
        commitment: o.commitment(),
        official_tag: o.official().tag(),
        period: o.period(),
        id_hash: AssetId(DEED.into()).id_hash(),
        min_value: Amount(1),
    };
    let honest = AssetWitness {
        category: Fr::from(1u64),
        value: Fr::from(350_000_000u64),
        blinding: o.blindings().as_slice()[0].0,
        path: o.path(0),
    };
    let run = |w: AssetWitness, public: Vec<Fr>| {
        satisfied(AssetIncludedCircuit::from_parts(C16, public, w))
    };
    assert!(run(honest.clone(), inputs.to_public_inputs()));
    let mut moved = honest.clone();
    moved.path.slot = 1;
    assert!(
        !run(moved, inputs.to_public_inputs()),
        "path used at another slot"
    );
    let mut swapped = honest.clone();
    swapped.path.siblings.swap(0, 1);
    assert!(!run(swapped, inputs.to_public_inputs()), "levels swapped");
    let mut other_path = honest.clone();
    other_path.path = o.path(1);
    assert!(
        !run(other_path, inputs.to_public_inputs()),
        "another slot's path"
    );
    let mut big = inputs.to_public_inputs();
    big[AssetIncluded::MIN_VALUE] = -Fr::from(1u64);
    assert!(!run(honest.clone(), big), "min_value = p − 1");
    let mut other_tag = inputs.to_public_inputs();
    other_tag[AssetIncluded::OFFICIAL_TAG] = official("GOV-0002").tag().0;
    assert!(!run(honest, other_tag));
}

/// The soundness hole of commitment format v1, which left the capacity out: a 16-slot
/// declaration whose empty slot 4 has a chosen blinding reads, through slot 4's leaf, as a
/// 64-slot tree holding an asset it does not declare (see
/// `probity_core::testing::capacity_forgery`). A capacity-64 `asset_included` proof then
/// "included" the asset, at any value, against the 16-slot commitment. Format v2 binds the
/// capacity, so the 64-slot circuit only opens commitments made for 64 slots.
#[test]
fn asset_included_at_another_capacity_cannot_open_a_smaller_declaration() {
    let forgery = probity_core::testing::capacity_forgery();
    let o = &forgery.opening;
    // The asset is not declared, and the net worth leaves it out.
    assert_eq!(o.net_worth(), 350_000_000 + 12_000_000 - 150_000_000);
    let fake_leaf = poseidon4([
        Fr::from(1u64),
        forgery.id_hash.0,
        forgery.value.to_field(),
        forgery.salt,
    ]);
    assert_eq!(
        forgery.path.root(fake_leaf),
        o.tree().root(),
        "the forged path reaches the 16-slot root: the trees alone cannot tell capacities apart"
    );
    let witness = AssetWitness {
        category: Fr::from(1u64),
        value: forgery.value.to_field(),
        blinding: forgery.salt,
        path: forgery.path.clone(),
    };
    let public = |commitment: Fr| {
        AssetIncluded {
            commitment: probity_core::Commitment(commitment),
            official_tag: o.official().tag(),
            period: o.period(),
            id_hash: forgery.id_hash,
            min_value: forgery.value,
        }
        .to_public_inputs()
    };
    assert!(
        !satisfied(AssetIncludedCircuit::from_parts(
            Capacity::C64,
            public(o.commitment().0),
            witness.clone()
        )),
        "a 64-slot proof against the filed 16-slot commitment"
    );
    // The same witness satisfies the 64-slot circuit only for the commitment of a 64-slot
    // declaration with that root, which is not the one filed.
    let as_64 = probity_core::commitment(
        o.official().tag(),
        o.period(),
        Capacity::C64,
        o.tree().root(),
    );
    assert_ne!(as_64, o.commitment());
    assert!(satisfied(AssetIncludedCircuit::from_parts(
        Capacity::C64,
        public(as_64.0),
        witness
    )));
}

/// DESIGN.md §5: `category_total_range` sums a real category, 1–47. Category 0 sums the empty
/// slots, whose total is always 0: a proof about it would mean nothing.
#[test]
fn category_total_range_refuses_category_zero() {
    let o = open(2026, items_2026());
    let inputs = CategoryTotalRange {
        commitment: o.commitment(),
        official_tag: o.official().tag(),
        period: o.period(),
        category: Category::EMPTY,
        lo: SignedAmount(0),
        hi: SignedAmount(0),
    };
    assert!(!satisfied(CategoryTotalRangeCircuit::new(&o, &inputs)));
    // Control: the same declaration holds no securities.
    assert!(ctr(&o, 3, 0, 0));
}

/// DESIGN.md §5: `period_prev < period_curr`, both below 2^32. Growth from a filing to itself
/// is 0 and would "explain" anything; backwards in time it inverts the test.
#[test]
fn wealth_growth_refuses_a_filing_against_itself_backwards_or_out_of_range() {
    let o = open(2026, items_2026());
    assert!(!wg(&o, &o, 0), "from 2026 to 2026");
    let earlier = open(2025, vec![item(2, "acct", 1)]);
    assert!(wg(&earlier, &o, u64::MAX), "control: 2025 to 2026");
    assert!(!wg(&o, &earlier, u64::MAX), "from 2026 back to 2025");

    // A dishonest prover commits to periods outside 32 bits that would order the wrong way
    // round: 2^32 + 2025 "after" 2026, and p − 1 "before" 2026.
    let tag = official("GOV-0001").tag().0;
    let w = DeclarationWitness::from_opening(&o);
    let run = |p0: Fr, p1: Fr| {
        let public = vec![
            raw_commitment(tag, p0, &w),
            raw_commitment(tag, p1, &w),
            tag,
            p0,
            p1,
            Fr::from(u64::MAX),
        ];
        satisfied(WealthGrowthCircuit::from_parts(
            C16,
            public,
            w.clone(),
            w.clone(),
        ))
    };
    assert!(run(Fr::from(2025u64), Fr::from(2026u64)), "control");
    assert!(!run(Fr::from(2026u64), Fr::from((1u64 << 32) + 2025)));
    assert!(!run(-Fr::from(1u64), Fr::from(2026u64)));
    assert!(!run(Fr::from(2026u64), -Fr::from(1u64)));
}

/// DESIGN.md §4/§5: id_hash 0 means "no identifier"; cash and other unnamed items answer no
/// challenge.
#[test]
fn asset_included_refuses_id_hash_zero() {
    let mut items = items_2026();
    items.push(item(8, "", 5_000_000));
    let o = open(2026, items);
    assert!(!ai(&o, 4, "", 0), "cash with no identifier");
    assert!(
        !ai(&o, 4, " \u{3000} ", 0),
        "an id that normalizes to nothing"
    );
    assert!(ai(&o, 0, DEED, 0), "control");
}

/// The cheats every statement must refuse, applied to every statement: one slot's value at
/// 2^64 + 5 or p − 5, or its code at 48 or 49, with commitments recomputed natively over the
/// forged slot, and public inputs that would hold if the forged value counted.
#[test]
fn every_statement_refuses_out_of_range_values_and_codes() {
    let tag = official("GOV-0001").tag().0;
    let (p0, p1) = (Fr::from(2025u64), Fr::from(2026u64));
    let h = AssetId("forged".into()).id_hash().0;
    let forged_value = |v: Fr| slot(1, h, v, 2);
    let forged_code = |c: u64| slot(c, h, Fr::from(5u64), 2);
    let cheats: Vec<(&str, probity_circuits::SlotWitness)> = vec![
        ("value 2^64 + 5", forged_value(Fr::from((1u128 << 64) + 5))),
        ("value p - 5", forged_value(-Fr::from(5u64))),
        ("code 48", forged_code(48)),
        ("code 49", forged_code(49)),
    ];
    let base = slot(2, AssetId("acct".into()).id_hash().0, Fr::from(1_000u64), 1);
    for (name, forged) in cheats {
        let w = raw_witness(vec![base, forged]);
        let c1 = raw_commitment(tag, p1, &w);
        let everything = (enc(i128::from(i64::MIN)), enc(i128::from(i64::MAX)));

        let public = vec![c1, tag, p1, everything.0, everything.1];
        assert!(
            !satisfied(NetWorthRangeCircuit::from_parts(C16, public, w.clone())),
            "net_worth_range: {name}"
        );

        let public = vec![c1, tag, p1, w.slots[1].category, everything.0, everything.1];
        assert!(
            !satisfied(CategoryTotalRangeCircuit::from_parts(
                C16,
                public,
                w.clone()
            )),
            "category_total_range: {name}"
        );

        let prev = raw_witness(vec![base]);
        let public = vec![
            raw_commitment(tag, p0, &prev),
            c1,
            tag,
            p0,
            p1,
            Fr::from(u64::MAX),
        ];
        assert!(
            !satisfied(WealthGrowthCircuit::from_parts(
                C16,
                public,
                prev,
                w.clone()
            )),
            "wealth_growth: {name}"
        );

        let leaves = w
            .slots
            .iter()
            .map(|s| {
                probity_core::poseidon::poseidon4([s.category, s.id_hash, s.value, s.blinding])
            })
            .collect();
        let path = probity_core::tree::ItemsTree::from_leaves(leaves).path(1);
        let asset = AssetWitness {
            category: w.slots[1].category,
            value: w.slots[1].value,
            blinding: w.slots[1].blinding,
            path,
        };
        let public = vec![c1, tag, p1, h, Fr::from(0u64)];
        assert!(
            !satisfied(AssetIncludedCircuit::from_parts(C16, public, asset)),
            "asset_included: {name}"
        );
    }
    // Control: the same construction with an honest slot satisfies every statement.
    let honest = slot(1, h, Fr::from(5u64), 2);
    let w = raw_witness(vec![base, honest]);
    let c1 = raw_commitment(tag, p1, &w);
    assert!(satisfied(NetWorthRangeCircuit::from_parts(
        C16,
        vec![c1, tag, p1, enc(1_005), enc(1_005)],
        w.clone()
    )));
    let leaves = w
        .slots
        .iter()
        .map(|s| probity_core::poseidon::poseidon4([s.category, s.id_hash, s.value, s.blinding]))
        .collect();
    let path = probity_core::tree::ItemsTree::from_leaves(leaves).path(1);
    let asset = AssetWitness {
        category: Fr::from(1u64),
        value: Fr::from(5u64),
        blinding: Fr::from(2u64),
        path,
    };
    assert!(satisfied(AssetIncludedCircuit::from_parts(
        C16,
        vec![c1, tag, p1, h, Fr::from(5u64)],
        asset
    )));
}

#[test]
fn circuits_print_no_witness() {
    let o = open(2026, items_2026());
    let inputs = NetWorthRange {
        commitment: o.commitment(),
        official_tag: o.official().tag(),
        period: o.period(),
        lo: SignedAmount(0),
        hi: SignedAmount(i64::MAX),
    };
    let shown = format!("{:?}", NetWorthRangeCircuit::new(&o, &inputs));
    assert!(
        shown.contains("capacity") && shown.contains("assigned: true"),
        "{shown}"
    );
    let blinding = o.blindings().as_slice()[0].0.to_string();
    for secret in ["350000000", "150000000", blinding.as_str()] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
