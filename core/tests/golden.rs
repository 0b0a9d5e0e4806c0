//! The golden vector of DESIGN.md's appendix.

use std::str::FromStr;

use probity_core::{testing, Declaration, Fr, OfficialId, Opening};

fn fr(s: &str) -> Fr {
    Fr::from_str(s).expect("decimal field element")
}

fn golden() -> (Declaration, Opening) {
    (testing::golden_declaration(), testing::golden_opening())
}

#[test]
fn id_hashes() {
    let (declaration, _) = golden();
    let ids: Vec<Fr> = declaration
        .items()
        .iter()
        .map(|it| it.asset_id.id_hash().0)
        .collect();
    assert_eq!(
        ids[0],
        fr("55523979387091998510893610560329990482777995625805047774782376253188187016")
    );
    assert_eq!(
        ids[1],
        fr("235815204868859487998243791377504589390750138400220728060685011137748373520")
    );
    assert_eq!(
        ids[2],
        fr("326768471885894431187098981890788781863669824956031093858107142217222135238")
    );
    assert_eq!(ids[3], Fr::from(0u64), "an empty id hashes to 0");
}

#[test]
fn official_tag() {
    let tag = OfficialId::new("GOV-0001").expect("valid").tag();
    assert_eq!(
        tag.0,
        fr("184744820733037161409081359874338580494677502265214199630878714485833621587")
    );
}

#[test]
fn leaf_root_and_commitment() {
    let (_, opening) = golden();
    assert_eq!(
        opening.tree().leaves()[0],
        fr("18135304051765982460823572941699802069987997424858348068255748962211196775107")
    );
    assert_eq!(
        opening.tree().root(),
        fr("16291385016773895862192591151926068808901010946979472972172503716113827956219")
    );
    assert_eq!(
        opening.commitment().0,
        fr("14735269775751958672045197307700264825176253656253521107947142571863177994293")
    );
    // Format v1 left the capacity out: Poseidon(DOMAIN_DECLARATION, official_tag, period, root).
    let v1 = probity_core::poseidon::poseidon4([
        Fr::from(probity_core::DOMAIN_DECLARATION),
        opening.official().tag().0,
        opening.period().to_field(),
        opening.tree().root(),
    ]);
    assert_eq!(
        v1,
        fr("12211004315758307537393477303330010826799971295141543127361549919818232663831")
    );
    assert_ne!(opening.commitment().0, v1);
}

#[test]
fn sums_of_the_golden_declaration() {
    let (_, opening) = golden();
    assert_eq!(opening.net_worth(), 350_000_000 + 12_000_000 - 150_000_000);
    assert_eq!(probity_core::income(opening.slots()), 45_000_000);
}
