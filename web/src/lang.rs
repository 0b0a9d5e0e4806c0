//! The pages' two languages, how one is picked for a request, and every string in both.
//!
//! Each string is one row of [`strings!`]: its key, its English and its Chinese. A row cannot
//! leave a language out (it would not compile), and the tests check that neither text is
//! empty, that both carry the same `{0}`, `{1}` … placeholders, and that the Chinese is not
//! the English left untranslated.

/// A language the pages are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    /// Simplified Chinese, as written in mainland China.
    #[default]
    ZhCn,
    /// English.
    En,
}

impl Lang {
    /// Both languages, in the order the switch lists them.
    pub const ALL: [Lang; 2] = [Lang::ZhCn, Lang::En];

    /// The BCP 47 tag: `<html lang>` and the `lang` query parameter.
    pub const fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The language's name in itself, for the switch.
    pub const fn autonym(self) -> &'static str {
        match self {
            Lang::ZhCn => "中文",
            Lang::En => "English",
        }
    }

    /// A `lang` query parameter's language: `zh`, `zh-CN`, `en`, `en-GB`… (any case). Anything
    /// else is no choice.
    pub fn from_param(value: &str) -> Option<Lang> {
        let primary = value.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("zh") {
            Some(Lang::ZhCn)
        } else if primary.eq_ignore_ascii_case("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The language an `Accept-Language` header prefers: Chinese if it ranks any Chinese
    /// above any English (or names no English), English if it ranks English first, and
    /// Chinese, the register's own language, when it names neither or is absent.
    pub fn negotiate(accept_language: Option<&str>) -> Lang {
        let Some(header) = accept_language else {
            return Lang::ZhCn;
        };
        let mut best: Option<(u16, usize, Lang)> = None;
        for (position, item) in header.split(',').enumerate() {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().map(str::trim).and_then(Lang::from_param) else {
                continue;
            };
            let quality = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(quality_thousandths)
                .unwrap_or(1000);
            if quality == 0 {
                continue;
            }
            // Highest quality wins; between equals, the one named first.
            let better = match best {
                None => true,
                Some((q, p, _)) => quality > q || (quality == q && position < p),
            };
            if better {
                best = Some((quality, position, lang));
            }
        }
        best.map_or(Lang::ZhCn, |(_, _, lang)| lang)
    }

    /// A string in this language.
    pub fn text(self, text: Text) -> &'static str {
        text.get(self)
    }

    /// A string with its `{0}`, `{1}` … placeholders filled in, in this language.
    pub fn fill(self, text: Text, args: &[&str]) -> String {
        let mut out = text.get(self).to_owned();
        for (i, arg) in args.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), arg);
        }
        out
    }
}

/// An RFC 9110 quality value (`0`, `0.5`, `1.000`) in thousandths; `None` if malformed.
fn quality_thousandths(q: &str) -> Option<u16> {
    let (whole, fraction) = q.split_once('.').unwrap_or((q, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{fraction:0<3}");
    match whole {
        "0" => digits.parse().ok(),
        "1" if digits == "000" => Some(1000),
        _ => None,
    }
}

macro_rules! strings {
    ($($key:ident => $en:literal, $zh:literal;)*) => {
        /// A string of the pages, in both languages ([`Lang::text`]).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(missing_docs)]
        pub enum Text { $($key,)* }

        impl Text {
            /// Every string.
            pub const ALL: &'static [Text] = &[$(Text::$key,)*];

            /// The string in `lang`.
            pub const fn get(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (Text::$key, Lang::En) => $en,
                        (Text::$key, Lang::ZhCn) => $zh,
                    )*
                }
            }
        }
    };
}

strings! {
    SiteName => "Probity public register", "Probity 公开登记册";
    SiteTagline => "Asset declarations of public officials, proved in zero knowledge", "公职人员财产申报，零知识证明";
    DevKeysBanner => "Development keys: whoever made them can forge proofs. These pages are for testing only.", "开发密钥：密钥生成者可以伪造证明。本页面仅供测试使用。";
    NavOfficials => "Officials", "公职人员";
    NavAbout => "About", "关于";
    NavLog => "Log", "日志";
    NavStats => "Statistics", "统计";
    StatsTitle => "The register in figures", "登记册统计";
    StatsIntro => "Counts from the public record: filings, proofs, challenges and the log's growth. No amount of any declaration is shown: a net-worth band is the public bounds an official proved their net worth lies within.", "来自公开记录的统计：申报、证明、核查请求及日志增长。不显示任何申报金额：净资产区间是公职人员证明其净资产所处的公开上下限。";
    StatsFigures => "The figures", "具体数字";
    Total => "Total", "合计";
    StatsFilingsTitle => "Filings per period", "各期间申报情况";
    StatsFilingsIntro => "Every registered official, for every period with a deadline or a filing: filed on time, filed late, missing after the deadline, or not yet due. The first filing decides: an amendment does not make it late.", "每个设有截止日期或已有申报的期间中，每位登记在册的公职人员：按时申报、逾期申报、截止后仍未申报或尚未到期。以首次申报为准：更正不会使其变为逾期。";
    StatsFilingsNone => "No period has a deadline or a filing yet.", "尚无设定截止日期或已有申报的期间。";
    NotYetDue => "not yet due", "尚未到期";
    FiledNoDeadline => "filed (no deadline set)", "已申报（未设截止日期）";
    StatsBandsTitle => "Officials per net-worth band", "各净资产区间的公职人员人数";
    StatsBandsIntro => "Each official once, in the band of their latest net-worth proof, by its public bounds.", "每位公职人员计一次，按其最近一次净资产证明的公开区间统计。";
    StatsBand => "Net-worth band", "净资产区间";
    StatsOfficialsNone => "No official registered yet.", "尚无登记的公职人员。";
    NoBandProved => "no band proved", "未证明区间";
    BandBetween => "{0} to {1}", "{0} 至 {1}";
    BandAtLeast => "at least {0}", "不低于 {0}";
    BandAtMost => "at most {0}", "不超过 {0}";
    BandNegative => "below zero, at least {0}", "为负，不低于 {0}";
    StatsProofsTitle => "Proofs per statement", "各类陈述的证明数";
    StatsProofsNone => "No proof accepted yet.", "尚无已接受的证明。";
    StatsStatement => "Statement", "陈述";
    StatsProofs => "Proofs", "证明数";
    KindNetWorth => "net worth in a band", "净资产区间";
    KindCategoryTotal => "a category's total in bounds", "类别合计区间";
    KindWealthGrowth => "growth explained by income", "增长可由收入解释";
    KindAssetIncluded => "asset declared, answering a challenge", "资产已申报（答复核查）";
    StatsChallengesTitle => "Challenges answered and expired", "核查请求的答复与逾期";
    StatsChallengesNone => "No challenge issued yet.", "尚无核查请求。";
    StatsLogTitle => "The log's size over time", "日志规模变化";
    StatsLogIntro => "How many entries the log held, read at evenly spaced entries up to the latest checkpoint. Times in UTC.", "日志所含条目数，按等间距条目读取，直至最新检查点。时间为协调世界时（UTC）。";
    StatsLogPoint => "{0}: {1} entries", "{0}：{1} 条";
    LogTitle => "The log", "透明日志";
    LogIntro => "Everything this register shows is an entry of an append-only log. The log signs checkpoints of it: how many entries it holds and the root hash over all of them. With the log key below, anyone can check that an entry is in the log and that the log was never rewritten.", "本登记册显示的一切都是一个只增不改的日志中的条目。日志为其签署检查点：条目总数及全部条目的根哈希。凭下方的日志公钥，任何人都可以核验某一条目在日志中，且日志从未被改写。";
    LogEmpty => "The log has no checkpoint yet.", "日志尚无检查点。";
    CheckpointTitle => "Latest checkpoint", "最新检查点";
    LogOrigin => "Origin", "日志名称";
    TreeSize => "Entries", "条目数";
    SignedAt => "Signed", "签名时间";
    RootHash => "Root hash", "根哈希";
    SignedNote => "The signed note, as served at /v1/log/checkpoint: the log's Ed25519 signature and its timestamped cosignature, then any witness's cosignatures", "签名文本，与 /v1/log/checkpoint 所提供的一致：日志的 Ed25519 签名及其带时间戳的联署签名，其后为见证方的联署签名（如有）";
    LogKeyPin => "Log key: pin it, every check on these pages is made under it", "日志公钥：请记下，本站所有核验均以此为准";
    LogLinks => "Browse the entries, or prove consistency with a size you saw before.", "浏览日志条目，或证明与您此前所见条目数的一致性。";
    EntriesTitle => "Log entries", "日志条目";
    EntriesRange => "Entries {0} to {1} of {2}", "第 {0} 至 {1} 条，共 {2} 条";
    EntriesNone => "No entry here: the log has {0} entries.", "此处没有条目：日志共有 {0} 条。";
    EntryIndex => "Index", "序号";
    EntryType => "Type", "类型";
    EntryTime => "Time", "时间";
    First => "First", "首页";
    Latest => "Latest", "最新";
    EntryTitle => "Log entry {0}", "日志第 {0} 条";
    EntryNotFound => "There is no entry {0} under the latest checkpoint, which has {1} entries.", "最新检查点共有 {1} 条，其中没有第 {0} 条。";
    CanonicalJson => "Canonical JSON: exactly the bytes the leaf hash is over", "规范 JSON：即叶哈希所覆盖的全部字节";
    LeafHash => "Leaf hash, SHA-256(0x00 ‖ entry)", "叶哈希，SHA-256(0x00 ‖ 条目)";
    InclusionTitle => "Inclusion proof in the checkpoint of {0} entries", "在共 {0} 条的检查点中的包含证明";
    AuditPath => "Audit path (RFC 6962), from the leaf up, hex", "审计路径（RFC 6962），自叶向上，十六进制";
    PathEmpty => "empty", "空";
    ConsistencyTitle => "Consistency proof", "一致性证明";
    ConsistencyIntro => "Give the size of a checkpoint you saw before: the proof shows that today's log holds that one's entries unchanged, as its first ones.", "请输入您此前所见检查点的条目数：该证明表明，当前日志的前若干条正是那时的全部条目，未经改动。";
    ConsistencyFrom => "Earlier size", "早先的条目数";
    ConsistencyButton => "Prove", "生成证明";
    ConsistencyBad => "“{0}” is not a size of this log: give a whole number from 1 to {1}.", "“{0}”不是本日志的有效条目数：请输入 1 至 {1} 之间的整数。";
    ConsistencyOldRoot => "Root hash at {0} entries", "条目数为 {0} 时的根哈希";
    ConsistencyPath => "Proof hashes (RFC 9162), hex", "证明哈希（RFC 9162），十六进制";
    CheckNoScript => "Not checked in your browser: that needs JavaScript. The command line checks the same (see About).", "未在浏览器中核验：这需要 JavaScript。命令行可进行同样的核验（见“关于”）。";
    CheckRunning => "Checking in your browser…", "正在浏览器中核验…";
    CheckOk => "✓ checked in your browser", "✓ 已在您的浏览器中核验";
    CheckOkFirst => "the log's signatures and the proofs on this page; this checkpoint is kept to check the next one against", "日志签名及本页的证明均已核验；本检查点已保存，用于核验下一个检查点";
    CheckOkConsistent => "the log's signatures and the proofs on this page, and consistency with the checkpoint of {0} entries this browser saw before", "日志签名及本页的证明均已核验，且与本浏览器此前所见的 {0} 条检查点一致";
    CheckFailSignature => "✗ check failed: the checkpoint's signature does not verify under the log key", "✗ 核验失败：检查点的签名无法用日志公钥验证";
    CheckFailInclusion => "✗ check failed: this entry is not in the signed checkpoint", "✗ 核验失败：该条目不在已签名的检查点中";
    CheckFailConsistency => "✗ check failed: the log is not consistent with the checkpoint of {0} entries this browser saw before; it was rewritten or forked", "✗ 核验失败：日志与本浏览器此前所见的 {0} 条检查点不一致，日志已被改写或分叉";
    CheckFailProof => "✗ check failed: the consistency proof on this page does not verify", "✗ 核验失败：本页的一致性证明无法验证";
    CheckFailKey => "✗ check failed: the log key is not the one this browser saw before", "✗ 核验失败：日志公钥与本浏览器此前所见的不同";
    CheckFailFetch => "✗ check failed: the proof of consistency with the checkpoint this browser saw before could not be fetched", "✗ 核验失败：无法获取与本浏览器此前所见检查点的一致性证明";
    CheckInsecure => "Not checked in your browser: the checks need HTTPS (or localhost), where the browser offers WebCrypto.", "未在浏览器中核验：核验需要 HTTPS（或本机地址），浏览器在此条件下才提供 WebCrypto。";
    CheckFailEntry => "✗ check failed: entry {0} as this page shows it is not in the signed checkpoint", "✗ 核验失败：本页所示的第 {0} 条与已签名检查点中的不符";
    CheckFailCosignature => "✗ check failed: the cosignature of witness {0} does not verify under its key", "✗ 核验失败：见证方 {0} 的联署签名无法用其公钥验证";
    EntryCheckOk => "✓", "✓";
    EntryCheckOkTitle => "this entry, as shown, is in the signed checkpoint (checked in your browser)", "本条目如所示在已签名的检查点中（已在您的浏览器中核验）";
    EntryCheckBad => "✗ not in the log as shown", "✗ 与日志不符";
    CosignedBy => "✓ cosigned by witness {0}, at {1}", "✓ 见证方 {0} 已联署，时间 {1}";
    CosignatureBad => "✗ the cosignature of witness {0} does not verify", "✗ 见证方 {0} 的联署签名无法验证";
    CosignatureUnknown => "not checked: unknown witness key ({0})", "未核验：未知的见证方公钥（{0}）";
    WitnessesTitle => "Witnesses", "见证方";
    WitnessKeys => "Witness keys this register names (cosignature/v1): a witness's cosignature on the note is checked under its key", "本登记册列明的见证方公钥（cosignature/v1）：签名文本上见证方的联署签名以其公钥核验";
    WitnessKeysNone => "This register names no witness keys: a cosignature on the note is shown, not checked.", "本登记册未列明见证方公钥：签名文本上的联署签名仅显示，不核验。";
    EntryCheckColumn => "In the log", "日志核验";
    LogCheckTitle => "Checked against the log", "依据日志核验";
    LogCheckIntro => "Each filing, proof and challenge above is an entry of the log. Your browser checks each one against the latest signed checkpoint, below.", "上述每项申报、证明和质询都是日志中的一个条目。您的浏览器依据下方最新的已签名检查点逐一核验。";
    UnavailableTitle => "Unavailable", "暂不可用";
    UnavailableText => "The log cannot be read right now. Please try again in a minute.", "日志暂时无法读取，请稍后再试。";
    LanguageSwitch => "Language", "语言";
    SearchLabel => "Name or id", "姓名或编号";
    SearchButton => "Search", "搜索";
    AllJurisdictions => "All jurisdictions", "全部辖区";
    AllPositions => "All positions", "全部职务";
    Jurisdiction => "Jurisdiction", "辖区";
    Position => "Position", "职务";
    Id => "Id", "编号";
    Name => "Name", "姓名";
    LatestPeriod => "Latest period filed", "最近申报期间";
    Standing => "Filing", "申报情况";
    NothingFiled => "none", "无";
    OnTime => "on time", "按时";
    Late => "late", "逾期";
    Missing => "missing", "未申报";
    Due => "due {0}", "截止 {0}";
    NoDeadline => "no deadline set", "未设截止日期";
    StandingFor => "for {0}", "{0} 年度";
    Matches => "Officials found: {0}", "共 {0} 名公职人员";
    NoMatches => "No official matches this search.", "没有符合条件的公职人员。";
    PageOf => "Page {0} of {1}", "第 {0} 页，共 {1} 页";
    Previous => "Previous", "上一页";
    Next => "Next", "下一页";
    OfficialsTitle => "Officials", "公职人员名录";
    OfficialsIntro => "Every registered official, with their latest filing and whether it came on time. Open an official to see what was proved.", "所有登记在册的公职人员及其最近一次申报和是否按时。点击姓名查看已证明的内容。";
    Filings => "Filings", "申报记录";
    FilingsNone => "No declaration filed yet.", "尚未提交申报。";
    Period => "Period", "期间";
    Commitment => "Commitment", "承诺值";
    FiledAt => "Filed", "提交时间";
    Timeliness => "Deadline", "期限";
    Amendment => "Amendment", "更正";
    AmendedLater => "amended by a later filing", "已被后续申报更正";
    AmendsEarlier => "amends an earlier filing", "更正此前申报";
    Original => "original", "原始申报";
    Entry => "Log entry", "日志条目";
    EntryShort => "entry {0}", "条目 {0}";
    Statements => "What was proved", "已证明的内容";
    StatementsIntro => "Each statement was proved in zero knowledge about the committed declaration and verified by the service before it was logged. No figure of the declaration is shown or known.", "以下每项陈述均针对已承诺的申报以零知识方式证明，并在记入日志前经服务验证。申报中的任何数字均不公开。";
    StatementsNone => "No statement proved yet.", "尚无已证明的陈述。";
    Verified => "verified", "已验证";
    NetWorthBetween => "Net worth for {0} between {1} and {2}", "{0} 年度净资产在 {1} 至 {2} 之间";
    NetWorthAtLeast => "Net worth for {0} of at least {1}", "{0} 年度净资产不低于 {1}";
    NetWorthNegative => "Net worth for {0} below zero, at least {1}", "{0} 年度净资产为负，不低于 {1}";
    NetWorthAtMost => "Net worth for {0} of at most {1}", "{0} 年度净资产不超过 {1}";
    HoldsNone => "Holds no {1} in {0}", "{0} 年度未持有{1}";
    CategoryBetween => "{1} in {0} totalling between {2} and {3}", "{0} 年度{1}合计在 {2} 至 {3} 之间";
    GrowthExplained => "Growth of net worth from {0} to {1} explained by income", "{0} 至 {1} 年度净资产增长可由收入解释";
    GrowthExplainedWithin => "Growth of net worth from {0} to {1} explained by income, within {2}", "{0} 至 {1} 年度净资产增长可由收入解释（容差 {2}）";
    AssetDeclared => "An asset a supervisor asked about is declared for {0}", "监督人员询问的一项资产已在 {0} 年度申报中列明";
    UnreadableStatement => "{0} for {1}", "{1} 年度的 {0} 证明";
    Yuan => "{0} yuan", "{0} 元";
    Challenges => "Challenges", "核查请求";
    ChallengesIntro => "A supervisor may ask the official to prove that an asset found in a registry or named in a tip is declared. Which asset is never shown.", "监督人员可要求公职人员证明在登记机构查到或举报中提及的资产已经申报。所涉资产从不公开。";
    ChallengesNone => "No challenge issued.", "尚无核查请求。";
    Issued => "Issued", "发出时间";
    Deadline => "Deadline", "截止时间";
    Outcome => "Outcome", "结果";
    ChallengeOpen => "open", "待答复";
    ChallengeAnswered => "answered", "已答复";
    ChallengeExpired => "expired unanswered", "逾期未答复";
    Alerts => "Alerts", "预警";
    AlertsIntro => "Alerts raised by the service's rules about this official, counted by rule. Their details are for supervisors.", "服务规则针对该公职人员触发的预警，按规则计数。详情仅供监督人员查看。";
    AlertsNone => "No alert raised.", "未触发预警。";
    AlertCount => "{0}", "{0} 次";
    RuleOverdue => "Declaration overdue", "逾期未申报";
    RuleFiledLate => "Filed after the deadline", "逾期提交申报";
    RuleGrowthMissing => "Filed without proof that growth is explained", "申报未附财产增长可解释证明";
    RuleChallengeExpired => "Challenge expired unanswered", "核查请求逾期未答复";
    RuleAmended => "Declaration amended", "申报已更正";
    QrCaption => "Scan to open this page", "扫码打开本页";
    Registered => "Registered at log entry {0}", "登记于日志条目 {0}";
    NotFoundTitle => "Not found", "未找到";
    NotFoundOfficial => "No official with the id “{0}” is registered.", "没有编号为“{0}”的登记公职人员。";
    NotFoundBack => "Back to the list of officials", "返回公职人员名录";
    AboutTitle => "About this register", "关于本登记册";
    AboutShowsTitle => "What zero knowledge shows, and what it does not", "零知识证明能说明什么，不能说明什么";
    AboutShows1 => "Each proof shows that the committed figures satisfy a statement, and nothing more: that net worth lies in a public band, that a kind of asset is not held, that growth of wealth is explained by income, that an asset a supervisor names is declared. The figures themselves never leave the official's machine.", "每项证明只说明已承诺的数字满足某一陈述，仅此而已：净资产处于某一公开区间、未持有某类资产、财产增长可由收入解释、监督人员指出的资产已申报。数字本身从不离开公职人员的设备。";
    AboutShows2 => "No proof can show that a declaration is complete. Nor can a proof show that a declared value is true: a flat declared below its price passes every proof, and it is the registry's figure in a challenge that holds it up.", "任何证明都无法说明申报是完整的，也无法说明申报的数值是真实的：低于实价申报的房产可以通过所有证明，只有核查请求中登记机构的数字才能揭示问题。";
    AboutShows3 => "Completeness and honest values come from challenges on registry records and from tips, on a ledger where every filing, challenge and tip is permanent and timestamped.", "完整性和数值的真实性依靠基于登记记录的核查请求和举报，而每一次申报、核查和举报都永久记录在带时间戳的日志上。";
    AboutKeysTitle => "The keys in use", "使用中的密钥";
    AboutKeysDev => "The proving and verifying keys are development keys, made on one machine: whoever made them can forge proofs. They are for development and demonstration only.", "证明密钥和验证密钥为开发密钥，由单台机器生成：生成者可以伪造证明。仅用于开发和演示。";
    AboutKeysCeremony => "The proving and verifying keys come from a multi-party ceremony: proofs can be forged only if every participant colluded.", "证明密钥和验证密钥来自多方仪式：只有全体参与者共谋才能伪造证明。";
    AboutKeysOther => "The keys were made by a setup named “{0}”.", "密钥由名为“{0}”的设置生成。";
    AboutKeysSetup => "Setup", "设置方式";
    AboutLog => "Log", "日志";
    AboutLogKey => "Log key", "日志公钥";
    AboutCheckTitle => "Check everything yourself", "自行核验";
    AboutCheckIntro => "This page is the service's word. The log is signed, and anyone can check it with the command line and nothing but the log's public key:", "本页面只是服务方的陈述。日志经过签名，任何人仅凭日志公钥即可用命令行核验：";
    AboutCheckLedger => "recomputes the whole log and checks every checkpoint's signature", "重新计算整个日志并核验每个检查点的签名";
    AboutCheckAudit => "checks the latest checkpoint against the pinned log key and the last one seen, and with --full every entry", "依据已固定的日志公钥和上次所见检查点核验最新检查点，加 --full 时核验每个条目";
    AboutCheckSupervisor => "re-verifies an official's proofs against the log", "依据日志重新验证某位公职人员的证明";
    AboutCheckWitness => "cosigns the log's checkpoints, or refuses a log that shows two histories", "为日志检查点联署，或拒绝出现分叉历史的日志";
    AboutPrivacy => "These pages never show an amount, an asset, a tip or what a challenge asked, and load nothing from outside this service.", "本页面从不显示金额、资产、举报内容或核查请求的细节，也不从本服务以外加载任何内容。";
    Footer => "Dates are in UTC. Amounts are never shown; only the public bands and bounds that were proved.", "时间均为协调世界时（UTC）。不显示任何申报金额，只显示已证明的公开区间。";
    CatRealEstate => "real estate", "不动产";
    CatBankDeposit => "bank deposits", "银行存款";
    CatSecurities => "securities and funds", "证券及基金";
    CatInsurancePension => "insurance and pensions", "保险及养老金";
    CatVehicle => "vehicles", "车辆";
    CatBusinessInterest => "business interests", "企业权益";
    CatCryptoAsset => "crypto assets", "加密资产";
    CatCashValuables => "cash and valuables", "现金及贵重物品";
    CatLoanReceivable => "loans receivable", "应收借款";
    CatOtherAsset => "other assets", "其他资产";
    CatMortgage => "mortgages", "住房贷款";
    CatLoanPayable => "loans payable", "应付借款";
    CatOtherLiability => "other liabilities", "其他负债";
    CatSalary => "salary", "工资薪金";
    CatOtherEmploymentIncome => "other employment income", "其他劳务收入";
    CatInvestmentIncome => "investment income", "投资收益";
    CatGiftInheritance => "gifts and inheritances", "受赠及继承";
    CatOtherIncome => "other income", "其他收入";
    CatCode => "category {0}", "第 {0} 类";
}

impl Text {
    /// The name of a category (DESIGN.md §3) as a statement about it reads it.
    pub fn category(code: u8) -> Option<Text> {
        Some(match code {
            1 => Text::CatRealEstate,
            2 => Text::CatBankDeposit,
            3 => Text::CatSecurities,
            4 => Text::CatInsurancePension,
            5 => Text::CatVehicle,
            6 => Text::CatBusinessInterest,
            7 => Text::CatCryptoAsset,
            8 => Text::CatCashValuables,
            9 => Text::CatLoanReceivable,
            15 => Text::CatOtherAsset,
            16 => Text::CatMortgage,
            17 => Text::CatLoanPayable,
            31 => Text::CatOtherLiability,
            32 => Text::CatSalary,
            33 => Text::CatOtherEmploymentIncome,
            34 => Text::CatInvestmentIncome,
            35 => Text::CatGiftInheritance,
            47 => Text::CatOtherIncome,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(text: &str) -> Vec<String> {
        let mut found: Vec<String> = (0..10)
            .map(|i| format!("{{{i}}}"))
            .filter(|p| text.contains(p.as_str()))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn every_string_is_in_both_languages_with_the_same_placeholders() {
        for text in Text::ALL {
            let (en, zh) = (text.get(Lang::En), text.get(Lang::ZhCn));
            assert!(!en.trim().is_empty(), "{text:?} has no English");
            assert!(!zh.trim().is_empty(), "{text:?} has no Chinese");
            assert_eq!(
                placeholders(en),
                placeholders(zh),
                "{text:?}: the languages fill in different values"
            );
            assert!(
                !zh.is_ascii(),
                "{text:?}: the Chinese is ASCII only, an English string left untranslated?"
            );
        }
    }

    #[test]
    fn every_named_category_has_a_name_in_both_languages() {
        for category in probity_core::Category::all() {
            assert_eq!(
                Text::category(category.code()).is_some(),
                category.name().is_some(),
                "category {}",
                category.code()
            );
        }
    }

    #[test]
    fn accept_language_picks_chinese_when_preferred_and_by_default() {
        assert_eq!(Lang::negotiate(None), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("fr-FR,de")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(Some("zh-CN,zh;q=0.9,en;q=0.8")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("en;q=0.5, zh-TW;q=0.8")), Lang::ZhCn);
        assert_eq!(Lang::negotiate(Some("fr, en;q=0.3, zh;q=0")), Lang::En);
        assert_eq!(Lang::negotiate(Some("en;q=bad,zh;q=1.5")), Lang::En);
        assert_eq!(Lang::negotiate(Some(";;,,=q,")), Lang::ZhCn);
    }

    #[test]
    fn the_lang_parameter_takes_tags_of_either_language() {
        assert_eq!(Lang::from_param("zh-CN"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_param("ZH"), Some(Lang::ZhCn));
        assert_eq!(Lang::from_param("en"), Some(Lang::En));
        assert_eq!(Lang::from_param("en_GB"), Some(Lang::En));
        assert_eq!(Lang::from_param("fr"), None);
        assert_eq!(Lang::from_param(""), None);
        assert_eq!(
            Lang::En.fill(Text::PageOf, &["2", "7"]),
            "Page 2 of 7".to_owned()
        );
    }
}
