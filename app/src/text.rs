//! Every string of the app's pages, in both languages of [`Lang`] (the register's; the
//! language is chosen the same way). One row per string: its key, its English, its Chinese;
//! a row cannot leave a language out, and the tests check that neither is empty and that both
//! carry the same placeholders.

use probity_web::Lang;

macro_rules! strings {
    ($($key:ident => $en:literal, $zh:literal;)*) => {
        /// A string of the app's pages.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub(crate) enum T { $($key,)* }

        impl T {
            #[cfg(test)]
            const ALL: &'static [T] = &[$(T::$key,)*];

            /// The string in `lang`.
            pub(crate) const fn get(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $(
                        (T::$key, Lang::En) => $en,
                        (T::$key, Lang::ZhCn) => $zh,
                    )*
                }
            }
        }
    };
}

/// A string with its `{0}`, `{1}` … filled in.
pub(crate) fn fill(lang: Lang, text: T, args: &[&str]) -> String {
    let mut out = text.get(lang).to_owned();
    for (i, arg) in args.iter().enumerate() {
        out = out.replace(&format!("{{{i}}}"), arg);
    }
    out
}

strings! {
    AppName => "Probity on this computer", "Probity 本机应用";
    AppTagline => "Your secrets stay on this machine: this page is served by your own probity", "您的机密只留在本机：本页面由您自己的 probity 提供";
    NavHome => "Home", "首页";
    LanguageSwitch => "Language", "语言";
    Lock => "Lock", "锁定";
    Footer => "Served by probity app on this computer only (loopback). Close this tab and stop probity app (Ctrl-C) when you are done.", "仅由本机的 probity app 提供（回环地址）。用完后请关闭此标签页并停止 probity app（Ctrl-C）。";
    HomeTitle => "What you can do here", "您可以在这里做什么";
    HomeIntro => "This app shows the roles whose keys are in the data folder {0}. It talks to the service at {1}.", "本应用显示数据文件夹 {0} 中已有密钥的角色。它连接的服务地址为 {1}。";
    LockedNotice => "Locked: nothing unlocked is held in this app's memory. The whistleblower's pages need no passphrase.", "已锁定：本应用内存中不保留任何已解锁的内容。举报人页面无需口令。";
    OfficialRole => "Official", "公职人员";
    SupervisorRole => "Supervisor", "监督人员";
    WbRole => "Whistleblower", "举报人";
    WbEnrolled => "You are enrolled: this computer holds a credential.", "您已登记：本机存有一份凭证。";
    WbNotEnrolled => "Not enrolled yet: enroll with the one-time code the registrar gave you.", "尚未登记：请使用登记机关给您的一次性代码登记。";
    WbEnroll => "Enroll", "登记";
    WbWriteTip => "Write a tip", "写举报";
    WbStatus => "Check a tip's status", "查询举报状态";
    SafetyTitle => "Before you report", "举报前请了解";
    SafetyOperator => "What the service's operator can see: that some enrolled reporter of a jurisdiction sent a sealed tip about an official, and when it was logged. What it cannot see: who you are, the text or attachments (sealed on this computer to the supervisors' key), or which of your tips belong together. The service keeps no IP address, but your network may: use a network not tied to you where that matters.", "服务运营方能看到的：某辖区某位已登记举报人就某位公职人员提交了一份密封举报，以及它何时记入日志。看不到的：您是谁、举报文字与附件（已在本机用监督人员的公钥密封），以及哪些举报出自同一人。服务不保存 IP 地址，但您的网络可能记录：必要时请使用与您无关的网络。";
    SafetyDevice => "Keep the data folder on an encrypted device that only you use, and delete it when you no longer report.", "请将数据文件夹放在只有您使用的加密设备上，不再举报时将其删除。";
    SafetyCredential => "This computer holds a credential that marks its holder as a reporter: with it, anyone can tell which official a logged tip was about.", "本机存有一份凭证，它表明持有人是举报人：持有它的人可以算出某条已记录的举报针对哪位公职人员。";
    SafetyPool => "A tip may wait in the service's tip pool for a while before it is logged, in a random order, so that the log does not show when each tip arrived.", "举报可能先在服务的举报池中等待一段时间，再以随机顺序记入日志，使日志看不出每条举报的到达时间。";
    EnrollTitle => "Enroll", "登记";
    EnrollIntro => "Type the one-time code exactly as the registrar gave it. One code buys one credential; nobody, not even the registrar, can link it to your tips.", "请按登记机关给您的原样输入一次性代码。一个代码只能换取一份凭证；任何人（包括登记机关）都无法将其与您的举报关联。";
    EnrollCode => "One-time code", "一次性代码";
    EnrollScope => "Jurisdiction (leave empty if the service has only one)", "辖区（如服务只有一个辖区，可留空）";
    EnrollSubmit => "Enroll", "登记";
    EnrolledTitle => "Enrolled", "登记成功";
    EnrolledScope => "You may report on officials of {0}.", "您可以举报 {0} 的公职人员。";
    EnrolledUntil => "The credential is valid until {0}.", "凭证有效期至 {0}。";
    EnrolledFingerprint => "Issuer parameters pinned (compare with what the operator publishes):", "已固定的签发参数（请与运营方公布的核对）：";
    TipTitle => "Write a tip", "写举报";
    TipIntro => "The tip is sealed on this computer to the supervisors' key, then sent. Only the sealed tip names the official; no other request does.", "举报在本机用监督人员的公钥密封后发送。只有密封的举报本身包含被举报人；其他任何请求都不会提及。";
    TipSubject => "The official", "被举报的公职人员";
    TipChoose => "Choose an official", "请选择公职人员";
    TipText => "What you know", "您了解的情况";
    TipAttachments => "Attachments (up to 8 files, 4 MiB each, 8 MiB in all)", "附件（最多 8 个文件，每个不超过 4 MiB，合计不超过 8 MiB）";
    TipSend => "Seal and send", "密封并发送";
    TipNoOfficials => "The service lists no official yet.", "服务尚未列出任何公职人员。";
    TipEnrollFirst => "Enroll first: this computer holds no credential.", "请先登记：本机没有凭证。";
    TipTooLarge => "The tip is too large: at most 64 KiB of text and 8 attachments, 4 MiB each and 8 MiB in all. Nothing was sent.", "举报过大：文字不超过 64 KiB，附件最多 8 个，每个不超过 4 MiB，合计不超过 8 MiB。未发送任何内容。";
    TipUnreadable => "The form could not be read ({0}). Nothing was sent.", "无法读取表单（{0}）。未发送任何内容。";
    TipSentTitle => "Tip sent", "举报已发送";
    TipSentAbout => "Your tip about {0} was accepted.", "您关于 {0} 的举报已被接收。";
    ReceiptCode => "Receipt code", "回执代码";
    WriteItDown => "Write this code down now and keep it secret. It is shown only this once and is not stored on this computer: it is the only way to read the supervisors' replies.", "请立即抄下此代码并妥善保密。它只显示这一次，本机也不保存：这是阅读监督人员回复的唯一方式。";
    TipPooled => "The tip waits in the tip pool and is logged, in a random order, by {0}.", "该举报在举报池中等待，将于 {0} 之前以随机顺序记入日志。";
    TipPooledSoon => "The tip waits in the tip pool and is logged soon, in a random order.", "该举报在举报池中等待，很快将以随机顺序记入日志。";
    TipLogged => "The tip is in the log at entry {0}, and its receipt checks out.", "该举报已记入日志第 {0} 条，其回执核验无误。";
    TipUnchecked => "The service took the tip (entry {0}), but its receipt does not check out: {1}", "服务已接收该举报（第 {0} 条），但其回执核验未通过：{1}";
    TipNoteFailed => "The tip could not be noted on this computer ({0}); checking its status still checks its receipt.", "无法在本机记录该举报（{0}）；查询状态时仍会核验其回执。";
    StatusTitle => "A tip's status", "举报状态";
    StatusIntro => "Type the receipt code you wrote down when you sent the tip. It is sent only in this form's body, never in an address.", "请输入发送举报时抄下的回执代码。它只在表单内容中发送，绝不出现在网址中。";
    StatusCheck => "Check", "查询";
    StatusPooled => "The tip waits in the tip pool: it is logged when the pool's window closes. Ask again later.", "该举报仍在举报池中等待：举报池窗口关闭时记入日志。请稍后再查询。";
    StatusLogged => "The tip is at log entry {0}, and its receipt checks out.", "该举报位于日志第 {0} 条，其回执核验无误。";
    StatusOpen => "open", "处理中";
    StatusClosed => "closed", "已结案";
    StatusIs => "Status:", "状态：";
    Replies => "Replies of the supervisors", "监督人员的回复";
    NoReplies => "No reply yet.", "尚无回复。";
    Failed => "That did not work:", "操作未完成：";
    Untrusted => "Do not trust this service: what it served does not check out.", "请勿信任此服务：它提供的内容核验未通过。";
    OfUnlockFirst => "Unlock your wallet to see and edit your declarations, file them and answer challenges.", "请先解锁钱包，才能查看和编辑申报、提交申报和回应质询。";
    OfUnlock => "Unlock", "解锁";
    OfUnlockIntro => "Type your wallet's passphrase. It is kept only in this app's memory until you lock the session or it idles out, and is never sent anywhere.", "请输入钱包口令。它只保存在本应用的内存中，直到您锁定会话或会话闲置超时，且不会发送到任何地方。";
    OfPassphrase => "Wallet passphrase", "钱包口令";
    OfUnlocked => "Unlocked for this session. Lock it (top right) when you step away.", "本次会话已解锁。离开时请点击右上角锁定。";
    OfDeclarations => "Declarations", "申报文件";
    OfDeclarationsIntro => "The declaration files (*.toml) in the data folder {0}.", "数据文件夹 {0} 中的申报文件（*.toml）。";
    OfNoDeclarations => "No declaration file yet: start one from the template below.", "尚无申报文件：请从下面的模板新建。";
    OfNewDeclaration => "New declaration from the template", "从模板新建申报";
    OfImportDeclaration => "Import a declaration file", "导入申报文件";
    OfImportFile => "A declaration file (.toml) from elsewhere", "来自别处的申报文件（.toml）";
    OfImportNote => "It is checked as a declaration, then written into the data folder under its own name; a file of that name already there is never replaced.", "文件会先作为申报进行检查，然后以原文件名写入数据文件夹；不会覆盖已有的同名文件。";
    OfImport => "Import", "导入";
    OfImportUnreadable => "No file was received, or it is larger than 1 MiB.", "未收到文件，或文件大于 1 MiB。";
    OfImportNotText => "The file is not UTF-8 text: a declaration is a TOML text file.", "该文件不是 UTF-8 文本：申报应为 TOML 文本文件。";
    OfImportInvalid => "The file is not a valid declaration, so it was not imported: {0}", "该文件不是有效的申报，未导入：{0}";
    OfFileName => "File name", "文件名";
    OfOfficialId => "Your official id", "您的公职人员编号";
    OfPeriod => "Period", "申报期";
    OfCapacity => "Capacity (items at most)", "容量（最多条目数）";
    OfCreate => "Create", "新建";
    OfBadName => "A file name may hold only letters, digits, '-', '_' and '.'.", "文件名只能包含字母、数字、“-”、“_”和“.”。";
    OfBadPeriod => "The period is a year, such as 2026.", "申报期为年份，例如 2026。";
    OfExists => "{0} exists already: open it from the list.", "{0} 已存在：请从列表中打开。";
    OfNoSuchFile => "The data folder has no declaration file named {0}.", "数据文件夹中没有名为 {0} 的申报文件。";
    OfEditTitle => "Declaration", "申报";
    OfEditIntro => "Official {0}, period {1}, capacity {2}. Values are in yuan. The totals are recomputed each time you press a button; saving checks the whole file first and keeps its comments.", "公职人员 {0}，申报期 {1}，容量 {2}。金额单位为元。每次点击按钮都会重新计算合计；保存前会先检查整个文件，并保留其中的注释。";
    OfEditIntroInvalid => "This file is not a valid declaration yet: correct the items below.", "此文件还不是有效的申报：请更正下面的条目。";
    OfSaved => "Saved: the file holds what is shown, and checks as a declaration.", "已保存：文件内容与所示一致，并通过申报检查。";
    OfNotSaved => "Not saved; the file is unchanged:", "未保存，文件未改动：";
    OfRecompute => "Recompute totals", "重新计算合计";
    OfSave => "Save", "保存";
    OfItem => "Item {0}", "第 {0} 项";
    OfAddItem => "Add an item", "添加条目";
    OfCategory => "Category", "类别";
    OfAssetId => "Asset id (registry number; empty for income)", "资产编号（登记号；收入可留空）";
    OfValue => "Value in yuan", "金额（元）";
    OfOwner => "Owner", "所有人";
    OfOwnerSelf => "self", "本人";
    OfOwnerSpouse => "spouse", "配偶";
    OfOwnerChild => "child", "子女";
    OfNote => "Note (stays on this computer)", "备注（只保存在本机）";
    OfRemove => "Remove this item", "删除此条目";
    OfAssets => "Assets", "资产合计";
    OfLiabilities => "Liabilities", "负债合计";
    OfNetWorth => "Net worth", "净资产";
    OfIncome => "Income of the period", "本期收入";
    OfYuan => "{0} yuan", "{0} 元";
    OfFile => "File for a period", "提交申报";
    OfFileIntro => "Choose the declaration to file. If you filed an earlier period, choose that declaration too, exactly as filed: the filing then proves that your wealth growth is explained by your income. First you see what will be filed; nothing is sent until you press File now.", "请选择要提交的申报。如果您此前提交过申报，请同时选择上一期的申报文件（须与当时提交的完全一致）：本次提交将证明您的财产增长可由收入解释。您会先看到将要提交的内容；点击“立即提交”之前不会发送任何内容。";
    OfDeclaration => "Declaration", "申报文件";
    OfPrev => "Declaration of the previous period filed", "上一期已提交的申报";
    OfNoPrev => "none (first filing)", "无（首次申报）";
    OfAmend => "This is an amendment of a period already filed (supervisors are alerted)", "这是对已提交申报期的更正（监督人员会收到提示）";
    OfSeePlan => "See what will be filed", "查看将要提交的内容";
    OfPlanFor => "Filing of {0} for {1} (capacity {2}).", "{0} 的 {1} 年申报（容量 {2}）。";
    OfPlanProofs => "Proofs, under the service's policy:", "按服务的规则将生成的证明：";
    OfPlanBand => "The public band your net worth falls in: {0} to {1}.", "您的净资产所在的公开区间：{0} 至 {1}。";
    OfPlanAmend => "This amends the period's filing: supervisors get a declaration_amended alert.", "这将更正该期申报：监督人员会收到 declaration_amended 提示。";
    OfGrowthHolds => "Your wealth growth since {0} is explained by the income declared: it will be proved.", "自 {0} 年以来的财产增长可由申报的收入解释：将生成相应证明。";
    OfGrowthUnexplained => "Your wealth growth since {0} is not explained by your income. Your net worth grew by {1}; the income declared for this period is {2}, and the service allows {3} more. To explain the growth, {4} more would be needed (income, gifts or inheritances not yet declared, or a debt). If you file as it is, the filing goes without the wealth_growth proof and supervisors get a wealth_growth_missing alert.", "您自 {0} 年以来的财产增长无法由收入解释。您的净资产增加了 {1}；本期申报收入为 {2}，服务另允许 {3} 的差额。要解释这一增长，还需要 {4}（尚未申报的收入、赠与或继承，或负债）。如按现状提交，本次申报将不含财产增长证明，监督人员会收到 wealth_growth_missing 提示。";
    OfGrowthLocal => "These figures are computed and shown only on this computer; none of them is sent.", "以上数字只在本机计算和显示，不会发送。";
    OfGrowthNotFiled => "wealth_growth does not hold from {0} to {1}: filed without it; supervisors get a wealth_growth_missing alert.", "从 {0} 年到 {1} 年的财产增长证明不成立：已在不含该证明的情况下提交；监督人员会收到 wealth_growth_missing 提示。";
    OfRequirementNotMet => "The policy requires `{0}`: a declared total of {1} within {2} to {3}. It is not, so it cannot be proved: filed without it; supervisors get a required_proof_missing alert.", "监督政策要求 `{0}`：{1} 的申报总额在 {2} 至 {3} 之间。该条件不成立，无法证明：已在不含该证明的情况下提交；监督人员会收到 required_proof_missing 提示。";
    OfGrowthProved => "Wealth growth since {0}: proved.", "自 {0} 年以来的财产增长：已证明。";
    OfGrowthNotNeeded => "No wealth growth proof (first filing).", "无财产增长证明（首次申报）。";
    OfTakesSeconds => "Making the proofs takes a few seconds: the next page shows each step as it happens, then the receipts.", "生成证明需要几秒钟：下一页会逐步显示进度，最后显示回执。";
    OfJobRuns => "Working: this page updates itself every second until it is done.", "正在处理：本页每秒自动刷新，直到完成。";
    OfSteps => "Steps", "步骤";
    OfStepPreparing => "Reading the service's policy and this official's record", "正在读取服务的申报规则和本人的记录";
    OfStepDownload => "Downloading the proving key for {0} (capacity {1}), checked against the log", "正在下载 {0} 的证明密钥（容量 {1}），并对照日志核验";
    OfStepProve => "Making the {0} proof", "正在生成 {0} 证明";
    OfStepReadLog => "Reading the log", "正在读取日志";
    OfStepSend => "Sending the filing", "正在发送申报";
    OfStepReceipts => "Checking the receipts against the log", "正在对照日志核验回执";
    OfFileNow => "File now", "立即提交";
    OfFiledBefore => "The period {0} was filed already (log entry {1}). To file a changed declaration, tick the amendment box.", "{0} 年的申报已提交（日志第 {1} 条）。如要提交修改后的申报，请勾选“更正”。";
    OfAlreadyFiled => "Already filed for {0} (log entry {1}): nothing was sent.", "{0} 年已提交（日志第 {1} 条）：未发送任何内容。";
    OfFiledTitle => "Filed", "已提交";
    OfFiledLine => "Filed: {0} for {1}.", "已提交：{0} 的 {1} 年申报。";
    OfAlerts => "Alerts set off:", "触发的提示：";
    OfPinned => "The log key of {0} was pinned in {1}: compare it with the one the operator publishes.", "已在 {1} 中固定 {0} 的日志公钥：请与运营方公布的核对。";
    OfPrevIgnored => "Nothing was filed before this period: the previous declaration is not needed and was ignored.", "此前没有提交过申报：无需上一期申报，已忽略。";
    OfReceipts => "Receipts", "回执";
    OfOnLog => "On the log at entry {0}, checked.", "已记入日志第 {0} 条，已核验。";
    OfReceiptBad => "Entry {0}: the receipt kept here does not check out: {1}", "第 {0} 条：本机保存的回执核验未通过：{1}";
    OfChallenges => "Challenges", "质询";
    OfNoChallenges => "No challenge is addressed to you.", "没有针对您的质询。";
    OfChallengeLine => "Period {0}: show that an asset is declared at {1} or more", "{0} 年：证明某项资产已按不低于 {1} 申报";
    OfDue => "due {0}", "截止 {0}";
    OfCanAnswer => "Can be answered: item {0} ({1}) of {2}.", "可以回应：{2} 的第 {0} 项（{1}）。";
    OfNotDeclared => "Cannot be answered: no asset with that id is declared in {0}. If you hold it, add it, file an amendment, then answer.", "无法回应：{0} 中没有申报该编号的资产。如您持有该资产，请添加并提交更正后再回应。";
    OfBelowLeast => "Cannot be answered: item {0} of {1} is that asset, but declared below the least value asked.", "无法回应：{1} 的第 {0} 项是该资产，但申报金额低于质询要求的最低值。";
    OfNoFileForPeriod => "Cannot be answered here: the data folder has no declaration file for {0}.", "无法在此回应：数据文件夹中没有 {0} 年的申报文件。";
    OfAnswer => "Answer", "回应";
    OfAnswerAll => "Answer all that can be answered", "回应所有可回应的质询";
    OfAnswered => "Challenge {0} answered: on the log at entry {1}, checked.", "质询 {0} 已回应：已记入日志第 {1} 条，已核验。";
    OfHistory => "History", "历史记录";
    OfFilings => "Filings", "申报记录";
    OfNoFilings => "Nothing filed yet.", "尚未提交任何申报。";
    OfProofs => "Proofs accepted", "已接受的证明";
    OfNoProofs => "No proof accepted yet.", "尚无已接受的证明。";
    OfNoReceipts => "No receipt kept on this computer yet.", "本机尚未保存任何回执。";
    OfEntry => "Log entry", "日志条目";
    OfWhen => "Logged", "记录时间";
    OfStatement => "Statement", "证明类型";
    SuDashboard => "Officials", "公职人员";
    SuDashboardIntro => "Each official's latest filing, re-verified on this computer against the log (its signed checkpoint, every entry, every proof with the verifying keys the log published), not taken from the service's word. An official is checked again when the log has grown since; at most {0} per visit, the others with their button.", "每位公职人员的最新申报，均在本机对照日志重新核验（已签名的检查点、每一条目、用日志公布的验证密钥核验每一份证明），而非采信服务的说法。日志增长后会重新核验；每次访问最多核验 {0} 位，其余请点击各自的按钮。";
    SuOfficial => "Official", "公职人员";
    SuLatest => "Latest filing", "最新申报";
    SuState => "State", "状态";
    SuCheckedAt => "Checked at log size", "核验时日志大小";
    SuVerify => "Verify", "核验";
    SuVerifyAll => "Verify all", "全部核验";
    SuVerifyAllTakes => "Verifying all reads the whole log once per official: it takes a while, and the page waits until it is done.", "全部核验需要为每位公职人员读取一次完整日志：需要一些时间，页面会等待完成。";
    SuNotChecked => "not checked yet", "尚未核验";
    SuVerified => "verified", "已核验";
    SuNotVerified => "NOT verified", "核验未通过";
    SuNoBandProof => "no verified band proof", "无已核验的区间证明";
    SuLate => "late", "逾期";
    SuGrowthNotShown => "wealth growth not shown", "财产增长未获证明";
    SuMissing => "missing: {0}", "缺报：{0}";
    SuNothingFiled => "nothing filed yet", "尚未申报";
    SuEntryAt => "entry {0}, {1}", "第 {0} 条，{1}";
    SuEntry => "entry {0}", "第 {0} 条";
    SuRecordTitle => "Official's record", "公职人员记录";
    SuNoSuchOfficial => "That is not an official's id.", "这不是公职人员编号。";
    SuRegistered => "{0}, {1} ({2}); registered at log entry {3}.", "{0}，{1}（{2}）；登记于日志第 {3} 条。";
    SuRecordVerified => "VERIFIED: every filing and proof checks out against the log, re-verified on this computer (checkpoint size {0}, signed with the pinned log key).", "已核验：每份申报和证明均已在本机对照日志重新核验无误（检查点大小 {0}，由已固定的日志公钥签名）。";
    SuRecordNotVerified => "NOT VERIFIED: {0} problem(s) against the log at checkpoint size {1}.", "核验未通过：对照检查点大小为 {1} 的日志发现 {0} 个问题。";
    SuChallengeThis => "Challenge this official", "质询此公职人员";
    SuProblems => "Problems", "问题";
    SuNotes => "Notes", "备注";
    SuSignatureOk => "signature OK", "签名有效";
    SuRejected => "REJECTED", "被拒绝";
    SuSuperseded => "replaced by a later amendment", "已被后来的更正取代";
    SuProofValid => "VALID", "有效";
    SuProofFailed => "FAILED", "无效";
    SuOtherProofs => "Proofs about other periods' filings", "关于其他申报期的证明";
    SuAlerts => "Alerts", "提示";
    SuAlertsIntro => "The alerts the service's rules raised, by rule; each is an entry on the log. Open an official's record to re-verify what an alert is about.", "服务规则触发的提示，按规则分组；每条提示都是日志中的一个条目。打开公职人员记录即可重新核验提示所涉内容。";
    SuNoAlerts => "No alerts.", "没有提示。";
    SuRule => "Rule", "规则";
    SuDetails => "Details", "详情";
    SuChallenge => "Challenge", "质询";
    SuRuleOverdue => "A period's filing deadline passed and the official has not filed for it.", "申报期截止时间已过，该公职人员仍未申报。";
    SuRuleLate => "A filing arrived after its period's deadline.", "申报晚于该申报期的截止时间提交。";
    SuRuleGrowth => "A filing for a period with an earlier one came without a wealth_growth proof: the growth of wealth is not shown to be explained by income.", "有上一期申报的本期申报未附财产增长证明：财产增长未被证明可由收入解释。";
    SuRuleExpired => "A challenge's deadline passed without an answer.", "质询截止时间已过，仍未回应。";
    SuRuleReporters => "Several distinct reporters sent tips about one official in one epoch.", "同一周期内多名不同举报人举报同一公职人员。";
    SuRuleAmended => "A second declaration was filed for the same period.", "同一申报期提交了第二份申报。";
    SuRuleBandJump => "The public net-worth band rose by two bands or more from the previous filed period.", "公开净资产区间较上一申报期上升两档或以上。";
    SuRuleAmendedAfter => "A declaration was amended after a challenge on its period, or after a tip about the official.", "在针对该申报期的核查或针对该公职人员的举报之后修改了申报。";
    SuRuleRegistry => "A challenge from a register's records went unanswered: the register lists an asset the official did not prove declared.", "源自登记簿记录的核查未获回应：登记簿列有一项公职人员未证明已申报的资产。";
    SuRuleManyLate => "The official was late (after the deadline, or not at all) in several of the last periods.", "该公职人员在最近若干申报期中多次逾期（逾期提交或未提交）。";
    SuRuleRepeatGrowth => "No wealth_growth proof in two consecutive filed periods.", "连续两个申报期没有财产增长证明。";
    SuRuleRequired => "A filing lacks a proof the supervision policy requires of the official's position.", "申报缺少监督政策对该职位要求的证明。";
    SuRisk => "Risk view", "风险视图";
    SuRiskIntro => "Officials with open alerts, the heaviest total first. A total is only ever the sum of the published weights of the alerts listed beside it: it ranks who to look at first, and explains itself.", "有未结提示的公职人员，按总权重从高到低排列。总权重只是旁列各条提示的公开权重之和：用于确定优先查看的对象，并且每项都有说明。";
    SuWeight => "Weight", "权重";
    SuReasons => "Why", "原因";
    SuRegister => "Register", "登记簿";
    SuChallengeIntro => "Ask an official to prove that an asset (found in a registry, or named in a tip) is in their declaration at no less than a value. The asset's registry id is hashed on this computer: the service and the public log see only salted digests.", "要求公职人员证明某项资产（在登记簿中查到或举报中提到）已按不低于某金额列入其申报。资产登记号在本机计算哈希：服务和公开日志只能看到加盐摘要。";
    SuAssetId => "Asset id (as the registry writes it)", "资产编号（按登记簿的写法）";
    SuMinValue => "Least value in yuan", "最低金额（元）";
    SuDue => "Due date (the end of that day, UTC)", "截止日期（当日结束，UTC）";
    SuPeriodOptional => "Period (leave empty for the official's latest filed period)", "申报期（留空则为该公职人员最近申报的期间）";
    SuIssue => "Issue the challenge", "发出质询";
    SuBadValue => "The least value is not an amount in yuan.", "最低金额不是以元为单位的金额。";
    SuBadDue => "The due date is not a date (YYYY-MM-DD).", "截止日期不是日期（YYYY-MM-DD）。";
    SuIssued => "Challenge {0} logged at entry {1}: {2} must show that the {3} declaration includes the asset at {4} or more.", "质询 {0} 已记入日志第 {1} 条：{2} 须证明其 {3} 年申报包含该资产且金额不低于 {4}。";
    SuAllChallenges => "Every challenge", "全部质询";
    SuNoChallenges => "No challenge yet.", "尚无质询。";
    SuLeast => "Least value", "最低金额";
    SuDueColumn => "Due", "截止";
    SuAnswered => "answered", "已回应";
    SuExpired => "expired", "已过期";
    SuTips => "Tips", "举报";
    SuTipsIntro => "Every tip the service holds, each checked against its log entry and opened on this computer with the tip key. A tip's text is shown as text; its attachments are never shown in a page: they download as files.", "服务保存的每条举报，均已对照其日志条目核验，并在本机用举报密钥打开。举报文字按纯文本显示；附件绝不在页面中显示，只能作为文件下载。";
    SuNoTips => "No tips yet.", "尚无举报。";
    SuTipAt => "Tip at entry {0} about", "日志第 {0} 条举报，涉及";
    SuAttachments => "Attachments", "附件";
    SuAttachmentsNote => "Sent by a stranger: each downloads as a file and is never opened in this app. Open it with care, in a program you trust, ideally on a computer without your keys.", "来自陌生人：每个附件只能作为文件下载，本应用绝不会打开它。请谨慎打开，使用您信任的程序，最好在不存放您密钥的电脑上打开。";
    SuFileName => "File name", "文件名";
    SuDeclaredType => "Type, as the sender declared it", "类型（发送者声明的）";
    SuSize => "Size", "大小";
    SuBytes => "{0} bytes", "{0} 字节";
    SuDownload => "Download", "下载";
    SuSaveAll => "Save the attachments to the data folder", "将附件保存到数据文件夹";
    SuSaved => "{0} file(s) saved:", "已保存 {0} 个文件：";
    SuNoAttachment => "There is no such attachment, or its tip could not be opened.", "没有这个附件，或无法打开其所属的举报。";
    SuReply => "Reply", "回复";
    SuReplyNote => "The whistleblower reads the reply with their receipt code. The service's operator can read it too: put nothing confidential in it.", "举报人凭回执代码阅读回复。服务运营方也能看到回复：请勿写入任何机密内容。";
    SuClose => "Close the tip (logged as TipClosed)", "结案（记入日志 TipClosed）";
    SuSendReply => "Send the reply", "发送回复";
    SuReplied => "Replied to the tip at entry {0}.", "已回复日志第 {0} 条举报。";
    SuRepliedClosed => "Replied to the tip at entry {0} and closed it (TipClosed at log entry {1}, its receipt checked).", "已回复日志第 {0} 条举报并结案（TipClosed 记入日志第 {1} 条，回执已核验）。";
    SuAudit => "Audit", "审计";
    SuAuditIntro => "The log's latest checkpoint, verified with the log key pinned on this computer and proved consistent with the last one this computer accepted: the log was neither rewritten nor forked since. A full audit also reads every entry and tile and recomputes them, and re-verifies every proof with the verifying keys the log published.", "日志的最新检查点：已用本机固定的日志公钥验证，并证明与本机上次接受的检查点一致：此后日志既未被改写也未分叉。完整审计还会读取并重新计算每个条目和瓦片，并用日志公布的验证密钥重新核验每份证明。";
    SuCheckpoint => "Checkpoint of {0} entries, signed {1} with the pinned log key: verified.", "包含 {0} 个条目的检查点，签于 {1}，由已固定的日志公钥签名：已验证。";
    SuConsistent => "Consistent with the checkpoint of {0} entries this computer accepted before.", "与本机此前接受的 {0} 个条目的检查点一致。";
    SuFirstCheckpoint => "The first checkpoint this computer accepted: later ones are held to it.", "这是本机接受的第一个检查点：之后的检查点都将与之核对。";
    SuRoot => "Root:", "根哈希：";
    SuOrigin => "Log:", "日志：";
    SuFullAudit => "Run a full audit", "运行完整审计";
    SuFullAuditTakes => "A full audit reads the whole log and re-verifies every proof: it takes a while (minutes for a large log), and the page waits until it is done.", "完整审计会读取整个日志并重新核验每份证明：需要一些时间（大型日志需要数分钟），页面会等待完成。";
    SuFullAuditDone => "Full audit: every entry, hash and tile recomputed; every filing signature and proof-to-filing link checked.", "完整审计：每个条目、哈希和瓦片均已重新计算；每个申报签名及证明与申报的关联均已核对。";
    SuRechecked => "Proofs re-verified with the published verifying keys: {0} (of which {1} rebuilt from the supervisors' disclosures); withheld proofs checked for form only: {2}.", "用公布的验证密钥重新核验的证明：{0} 份（其中 {1} 份依据向监督人员披露的内容重建）；仅检查格式的保留证明：{2} 份。";
    SuAnswerRechecked => "the answer proves the asset and least value asked (re-verified)", "回应证明了所要求的资产和最低金额（已重新核验）";
    SuNoUnlock => "Nothing to unlock: your supervisor key and the tip key are key files in the data folder (mode 0600, no passphrase), read as the command line reads them. Protect the folder itself.", "无需解锁：您的监督人员密钥和举报密钥是数据文件夹中的密钥文件（权限 0600，无口令），读取方式与命令行相同。请保护好文件夹本身。";
    SuTipKeyHere => "The tip key is here: {0}. Tips are opened on this computer with it.", "举报密钥在此：{0}。举报在本机用它打开。";
    SuNoTipKey => "No tip key at {0}: tips cannot be opened until the supervisors' tip key is copied there.", "{0} 处没有举报密钥：在将监督人员的举报密钥复制到该处之前，无法打开举报。";
    NotFoundTitle => "No such page", "没有此页面";
    NotFound => "This app has no page at this address.", "本应用在此地址没有页面。";
    NoSessionTitle => "Open the address probity app printed", "请打开 probity app 输出的地址";
    NoSession => "This page is only for the browser that opened the address probity app printed when it started (http://127.0.0.1:…/?token=…). Open that address.", "本页面只提供给打开过 probity app 启动时输出地址（http://127.0.0.1:…/?token=…）的浏览器。请打开该地址。";
    TokenUsedTitle => "This address no longer works", "此地址已失效";
    TokenUsed => "The address with this token was already used, or is not this app's: each address works once. Restart probity app for a new address.", "带此令牌的地址已被使用过，或不属于本应用：每个地址只能使用一次。请重新启动 probity app 以获取新地址。";
    ForeignHostTitle => "Wrong address", "地址不正确";
    ForeignHost => "This app answers only at 127.0.0.1 or localhost on its own port.", "本应用只响应本机端口上的 127.0.0.1 或 localhost。";
    ForeignOriginTitle => "Refused", "已拒绝";
    ForeignOrigin => "This form was not sent from this app's own pages, so nothing was done.", "此表单不是从本应用自己的页面提交的，因此未执行任何操作。";
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<usize> {
        (0..10)
            .filter(|i| s.contains(&format!("{{{i}}}")))
            .collect()
    }

    #[test]
    fn every_string_is_in_both_languages_with_the_same_placeholders() {
        for &text in T::ALL {
            let (en, zh) = (text.get(Lang::En), text.get(Lang::ZhCn));
            assert!(!en.is_empty() && !zh.is_empty(), "{text:?}");
            assert_ne!(en, zh, "{text:?} is not translated");
            assert_eq!(placeholders(en), placeholders(zh), "{text:?}");
        }
        assert_eq!(
            fill(Lang::En, T::TipLogged, &["7"]),
            "The tip is in the log at entry 7, and its receipt checks out."
        );
    }
}
