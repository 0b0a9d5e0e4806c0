//! EVM chains (feature `evm`): deploying the contracts, writing commitments and checkpoints
//! to the registry, reading them back, and verifying proofs on-chain (DESIGN.md §7).
//!
//! The contracts are compiled elsewhere (`probity export solidity`, then solcjs); this module
//! takes their creation bytecode. Every call goes to one registry through one RPC endpoint,
//! signed with one local key (the service's operator key, or an official's).

use alloy::{
    network::{EthereumWallet, TransactionBuilder},
    primitives::{Address, Bytes, FixedBytes, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    signers::local::PrivateKeySigner,
    sol,
    sol_types::SolValue,
};
use probity_core::{Capacity, StatementKind};
use probity_verifier::{EvmProof, EvmWord};

sol! {
    #[sol(rpc)]
    interface IProbityRegistry {
        function operator() external view returns (address);
        function registerOfficial(uint256 officialTag, address account) external;
        function registerOfficials(uint256[] officialTags) external;
        function setVerifier(uint8 statement, uint32 capacity, address verifier) external;
        function fileDeclaration(uint256 officialTag, uint32 period, uint32 capacity, uint256 commitment) external;
        function fileDeclarations(uint256[] officialTags, uint32[] periods, uint32[] capacities, uint256[] commitments) external;
        function verifierOf(uint8 statement, uint32 capacity) external view returns (address);
        function anchorCheckpoint(uint64 size, bytes32 root) external;
        function commitmentOf(uint256 officialTag, uint32 period) external view returns (uint256);
        function capacityOf(uint256 officialTag, uint32 period) external view returns (uint32);
        function treeSize() external view returns (uint64);
        function rootHash() external view returns (bytes32);
        function matchesFiling(uint8 statement, uint32 capacity, uint256[] input) external view returns (bool);
        function checkProof(
            uint8 statement,
            uint32 capacity,
            uint256[2] a,
            uint256[2][2] b,
            uint256[2] c,
            uint256[] input
        ) external returns (bool);

        event ProofChecked(
            uint256 indexed officialTag,
            uint8 indexed statement,
            uint32 capacity,
            bytes32 inputsHash,
            bool valid
        );
    }

    #[sol(rpc)]
    interface IGroth16Verifier {
        error PrecompileFailed();
        function verifyProof(uint256[2] a, uint256[2][2] b, uint256[2] c, uint256[] input)
            external view returns (bool);
    }
}

/// A chain operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The key, address, bytecode or URL given is not valid.
    #[error("{0}")]
    Input(String),
    /// The node refused or failed the call, or could not be reached.
    #[error("the chain call failed: {0}")]
    Call(String),
    /// A transaction was mined but reverted.
    #[error("the transaction reverted: {0}")]
    Reverted(String),
}

fn call_err(e: impl std::fmt::Display) -> ChainError {
    ChainError::Call(e.to_string())
}

/// A statement's number in the contracts: its place in `StatementKind::ALL`.
pub fn statement_code(statement: StatementKind) -> u8 {
    StatementKind::ALL
        .iter()
        .position(|k| *k == statement)
        .and_then(|i| u8::try_from(i).ok())
        .unwrap_or(u8::MAX)
}

/// A capacity as the contracts take it.
fn capacity_code(capacity: Capacity) -> Result<u32, ChainError> {
    u32::try_from(capacity.slots())
        .map_err(|_| ChainError::Input(format!("capacity {capacity} does not fit the contracts")))
}

/// The endpoint, parsed; not quoted when it is not a URL, since it may carry a token.
fn parse_url(rpc_url: &str) -> Result<alloy::transports::http::reqwest::Url, ChainError> {
    rpc_url.trim().parse().map_err(|_| {
        ChainError::Input("the RPC endpoint is not a URL (such as http://127.0.0.1:8545)".into())
    })
}

/// How long a sent transaction may take to be mined before the call fails.
const RECEIPT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);
/// How often a sent transaction's receipt is asked for.
const RECEIPT_POLL: std::time::Duration = std::time::Duration::from_millis(250);

/// A connection to one chain, signing with one local key.
#[derive(Clone)]
pub struct Chain {
    provider: DynProvider,
    account: Address,
    url: alloy::transports::http::reqwest::Url,
    signer: PrivateKeySigner,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("account", &self.account)
            .finish_non_exhaustive()
    }
}

/// What a mined transaction cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mined {
    /// Gas used.
    pub gas_used: u64,
    /// The contract it created, for a deployment.
    pub created: Option<Address>,
}

impl Chain {
    /// Connects to the node at `rpc_url`, signing with `private_key` (hex, 32 bytes).
    pub fn connect(rpc_url: &str, private_key: &str) -> Result<Self, ChainError> {
        let signer: PrivateKeySigner = private_key.trim().parse().map_err(|_| {
            ChainError::Input("the chain key is not a 32-byte hex secret key".into())
        })?;
        Ok(Self::with(parse_url(rpc_url)?, signer))
    }

    /// Connects to the node at `rpc_url` to read only: it signs with a throwaway key, which
    /// holds nothing and so can send nothing.
    pub fn read_only(rpc_url: &str) -> Result<Self, ChainError> {
        Ok(Self::with(parse_url(rpc_url)?, PrivateKeySigner::random()))
    }

    fn with(url: alloy::transports::http::reqwest::Url, signer: PrivateKeySigner) -> Self {
        let provider = ProviderBuilder::new()
            .wallet(EthereumWallet::from(signer.clone()))
            .connect_http(url.clone())
            .erased();
        Self {
            provider,
            account: signer.address(),
            url,
            signer,
        }
    }

    /// The same connection, made afresh: after a failure, so that nothing the provider
    /// cached (its next nonce above all, which a transaction lost by a node that went down
    /// would leave too high) outlives it.
    pub fn reconnected(&self) -> Self {
        Self::with(self.url.clone(), self.signer.clone())
    }

    /// The account this connection signs with.
    pub fn account(&self) -> Address {
        self.account
    }

    /// The endpoint, as the client writes it (normalized).
    pub fn url(&self) -> &str {
        self.url.as_str()
    }

    /// Deploys creation bytecode (hex, as solcjs writes it) with ABI-encoded constructor
    /// arguments appended.
    pub async fn deploy(&self, bytecode_hex: &str, args: &[u8]) -> Result<Mined, ChainError> {
        let mut code = hex::decode(bytecode_hex.trim().trim_start_matches("0x"))
            .map_err(|_| ChainError::Input("the contract bytecode is not hex".into()))?;
        code.extend_from_slice(args);
        let tx = TransactionRequest::default().with_deploy_code(Bytes::from(code));
        let mined = self.send(tx).await?;
        if mined.created.is_none() {
            return Err(ChainError::Reverted(
                "the deployment created no contract".into(),
            ));
        }
        Ok(mined)
    }

    /// Deploys the registry, with this connection's account as its operator.
    pub async fn deploy_registry(&self, bytecode_hex: &str) -> Result<Mined, ChainError> {
        self.deploy(bytecode_hex, &self.account.abi_encode()).await
    }

    async fn send(&self, tx: TransactionRequest) -> Result<Mined, ChainError> {
        let receipt = self.send_for_receipt(tx).await?;
        Ok(Mined {
            gas_used: receipt.gas_used,
            created: receipt.contract_address,
        })
    }

    async fn send_for_receipt(
        &self,
        tx: TransactionRequest,
    ) -> Result<alloy::rpc::types::TransactionReceipt, ChainError> {
        // Estimated first, so that a call that would revert is refused before it takes a
        // nonce: the provider caches nonces, and one taken by a transaction never sent would
        // hold every later transaction of this account in the node's queue.
        let gas = self.provider.estimate_gas(tx.clone()).await.map_err(|e| {
            // An error answer is the node refusing the call (a revert); anything else is the
            // node not being reached.
            if e.is_error_resp() {
                ChainError::Reverted(e.to_string())
            } else {
                call_err(e)
            }
        })?;
        // A fifth more than the estimate: some nodes estimate nested calls short (the 63/64
        // rule), and a verifier short of gas reverts. Unused gas is not charged.
        let hash = *self
            .provider
            .send_transaction(tx.with_gas_limit(gas.saturating_add(gas / 5)))
            .await
            .map_err(call_err)?
            .tx_hash();
        // Polled here rather than by the provider's watcher, which keeps polling a node that
        // went away until its timeout: a node that cannot be reached fails the call at once.
        let deadline = tokio::time::Instant::now() + RECEIPT_TIMEOUT;
        let receipt = loop {
            match self
                .provider
                .get_transaction_receipt(hash)
                .await
                .map_err(call_err)?
            {
                Some(receipt) => break receipt,
                None if tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(RECEIPT_POLL).await;
                }
                None => {
                    return Err(ChainError::Call(format!(
                        "transaction {hash} was not mined within {} s",
                        RECEIPT_TIMEOUT.as_secs()
                    )))
                }
            }
        };
        if !receipt.status() {
            return Err(ChainError::Reverted(format!(
                "transaction {}",
                receipt.transaction_hash
            )));
        }
        Ok(receipt)
    }

    /// The registry at `address`.
    pub fn registry(&self, address: Address) -> Registry {
        Registry {
            chain: self.clone(),
            address,
        }
    }
}

/// One declaration filing as the registry stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainFiling {
    /// The official's tag.
    pub official_tag: probity_core::Fr,
    /// The period.
    pub period: u32,
    /// The capacity the commitment was made for.
    pub capacity: Capacity,
    /// The commitment.
    pub commitment: probity_core::Fr,
}

/// The registry contract at one address.
#[derive(Clone, Debug)]
pub struct Registry {
    chain: Chain,
    address: Address,
}

fn u256(word: &EvmWord) -> U256 {
    U256::from_be_bytes(*word)
}

fn field(x: &probity_core::Fr) -> U256 {
    u256(&probity_verifier::evm_word(x))
}

impl Registry {
    /// Its address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// The account this handle signs with.
    pub fn account(&self) -> Address {
        self.chain.account
    }

    /// The same registry over a fresh connection (see [`Chain::reconnected`]).
    pub fn reconnected(&self) -> Self {
        self.chain.reconnected().registry(self.address)
    }

    fn contract(&self) -> IProbityRegistry::IProbityRegistryInstance<&DynProvider> {
        IProbityRegistry::new(self.address, &self.chain.provider)
    }

    /// Registers an official's tag, with the account that may file for them (or zero).
    pub async fn register_official(
        &self,
        official_tag: &probity_core::Fr,
        account: Address,
    ) -> Result<Mined, ChainError> {
        let tx = self
            .contract()
            .registerOfficial(field(official_tag), account)
            .into_transaction_request();
        self.chain.send(tx).await
    }

    /// Registers officials not registered yet, in one transaction; registered ones are left
    /// as they are.
    pub async fn register_officials(
        &self,
        official_tags: &[probity_core::Fr],
    ) -> Result<Mined, ChainError> {
        let tags = official_tags.iter().map(field).collect();
        let tx = self
            .contract()
            .registerOfficials(tags)
            .into_transaction_request();
        self.chain.send(tx).await
    }

    /// The registry's operator: the only account that may anchor.
    pub async fn operator(&self) -> Result<Address, ChainError> {
        self.contract().operator().call().await.map_err(call_err)
    }

    /// The verifier contract of a statement at a capacity, if one is set.
    pub async fn verifier_of(
        &self,
        statement: StatementKind,
        capacity: Capacity,
    ) -> Result<Option<Address>, ChainError> {
        let capacity = capacity_code(capacity)?;
        let address = self
            .contract()
            .verifierOf(statement_code(statement), capacity)
            .call()
            .await
            .map_err(call_err)?;
        Ok((address != Address::ZERO).then_some(address))
    }

    /// Sets the verifier contract of a statement at a capacity.
    pub async fn set_verifier(
        &self,
        statement: StatementKind,
        capacity: Capacity,
        verifier: Address,
    ) -> Result<Mined, ChainError> {
        let capacity = capacity_code(capacity)?;
        let tx = self
            .contract()
            .setVerifier(statement_code(statement), capacity, verifier)
            .into_transaction_request();
        self.chain.send(tx).await
    }

    /// Files a declaration commitment made for `capacity` slots.
    pub async fn file_declaration(
        &self,
        official_tag: &probity_core::Fr,
        period: u32,
        capacity: Capacity,
        commitment: &probity_core::Fr,
    ) -> Result<Mined, ChainError> {
        let tx = self
            .contract()
            .fileDeclaration(
                field(official_tag),
                period,
                capacity_code(capacity)?,
                field(commitment),
            )
            .into_transaction_request();
        self.chain.send(tx).await
    }

    /// Files many commitments in one transaction, in order. Operator only.
    pub async fn file_declarations(&self, filings: &[ChainFiling]) -> Result<Mined, ChainError> {
        let tags = filings.iter().map(|f| field(&f.official_tag)).collect();
        let periods = filings.iter().map(|f| f.period).collect();
        let capacities = filings
            .iter()
            .map(|f| capacity_code(f.capacity))
            .collect::<Result<_, _>>()?;
        let commitments = filings.iter().map(|f| field(&f.commitment)).collect();
        let tx = self
            .contract()
            .fileDeclarations(tags, periods, capacities, commitments)
            .into_transaction_request();
        self.chain.send(tx).await
    }

    /// Anchors a checkpoint of the log.
    pub async fn anchor_checkpoint(&self, size: u64, root: [u8; 32]) -> Result<Mined, ChainError> {
        let tx = self
            .contract()
            .anchorCheckpoint(size, FixedBytes::from(root))
            .into_transaction_request();
        self.chain.send(tx).await
    }

    /// The commitment filed for an official and period (zero if none).
    pub async fn commitment_of(
        &self,
        official_tag: &probity_core::Fr,
        period: u32,
    ) -> Result<[u8; 32], ChainError> {
        let value = self
            .contract()
            .commitmentOf(field(official_tag), period)
            .call()
            .await
            .map_err(call_err)?;
        Ok(value.to_be_bytes::<32>())
    }

    /// The capacity of the declaration filed for an official and period (`None` if none).
    pub async fn capacity_of(
        &self,
        official_tag: &probity_core::Fr,
        period: u32,
    ) -> Result<Option<Capacity>, ChainError> {
        let slots = self
            .contract()
            .capacityOf(field(official_tag), period)
            .call()
            .await
            .map_err(call_err)?;
        Ok(Capacity::new(slots as usize).ok())
    }

    /// The latest anchored checkpoint: (tree size, root hash).
    pub async fn checkpoint(&self) -> Result<(u64, [u8; 32]), ChainError> {
        let size = self.contract().treeSize().call().await.map_err(call_err)?;
        let root = self.contract().rootHash().call().await.map_err(call_err)?;
        Ok((size, root.0))
    }

    /// Checks a proof on-chain (an `eth_call`: nothing is written), against the filed
    /// commitments and with the statement's verifier.
    pub async fn check_proof(
        &self,
        statement: StatementKind,
        capacity: Capacity,
        proof: &EvmProof,
    ) -> Result<bool, ChainError> {
        let capacity = capacity_code(capacity)?;
        let (a, b, c, input) = abi_proof(proof);
        self.contract()
            .checkProof(statement_code(statement), capacity, a, b, c, input)
            .call()
            .await
            .map_err(call_err)
    }

    /// Checks a proof on-chain and records the outcome as a `ProofChecked` event; returns the
    /// outcome the event records, and the gas.
    pub async fn record_proof_check(
        &self,
        statement: StatementKind,
        capacity: Capacity,
        proof: &EvmProof,
    ) -> Result<(bool, Mined), ChainError> {
        let capacity = capacity_code(capacity)?;
        let (a, b, c, input) = abi_proof(proof);
        let tx = self
            .contract()
            .checkProof(statement_code(statement), capacity, a, b, c, input)
            .into_transaction_request();
        let receipt = self.chain.send_for_receipt(tx).await?;
        let valid = receipt
            .inner
            .logs()
            .iter()
            .filter(|log| log.address() == self.address)
            .find_map(|log| log.log_decode::<IProbityRegistry::ProofChecked>().ok())
            .map(|event| event.inner.data.valid)
            .ok_or_else(|| {
                ChainError::Reverted("the check was mined without its ProofChecked event".into())
            })?;
        let mined = Mined {
            gas_used: receipt.gas_used,
            created: None,
        };
        Ok((valid, mined))
    }
}

/// Asks a verifier contract directly (an `eth_call`).
pub async fn verify_on_chain(
    chain: &Chain,
    verifier: Address,
    proof: &EvmProof,
) -> Result<bool, ChainError> {
    let (a, b, c, input) = abi_proof(proof);
    IGroth16Verifier::new(verifier, &chain.provider)
        .verifyProof(a, b, c, input)
        .call()
        .await
        .map_err(call_err)
}

/// The gas a verifier contract's check of a proof costs, as the node estimates it.
pub async fn verify_gas(
    chain: &Chain,
    verifier: Address,
    proof: &EvmProof,
) -> Result<u64, ChainError> {
    let (a, b, c, input) = abi_proof(proof);
    IGroth16Verifier::new(verifier, &chain.provider)
        .verifyProof(a, b, c, input)
        .estimate_gas()
        .await
        .map_err(call_err)
}

type AbiProof = ([U256; 2], [[U256; 2]; 2], [U256; 2], Vec<U256>);

fn abi_proof(p: &EvmProof) -> AbiProof {
    (
        [u256(&p.a[0]), u256(&p.a[1])],
        [
            [u256(&p.b[0][0]), u256(&p.b[0][1])],
            [u256(&p.b[1][0]), u256(&p.b[1][1])],
        ],
        [u256(&p.c[0]), u256(&p.c[1])],
        p.input.iter().map(u256).collect(),
    )
}
