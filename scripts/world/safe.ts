// Safe v1.4.1 on the local chain: the canonical infrastructure (deployed through the Safe singleton
// factory with CREATE2, salt 0, so every contract lands at its mainnet address) and the treasury
// SafeL2 proxy. Bytecode: @safe-global/safe-contracts@1.4.1 build artifacts.
import { Contract, Signer, ZeroAddress, ZeroHash, concat, getCreate2Address, keccak256, toBeHex, zeroPadValue } from "ethers";
import { ART } from "./artifacts";
import { confirm } from "./tx";
import type { SafeInfra } from "./types";

/** Presigned (EIP-155, chain 31337) deployment of the singleton factory, shipped by Safe. */
function singletonFactoryDeployment(): {
  address: string;
  signerAddress: string;
  transaction: string;
  gasPrice: number;
  gasLimit: number;
} {
  try {
    return require("@safe-global/safe-singleton-factory/artifacts/31337/deployment.json");
  } catch {
    throw new Error("@safe-global/safe-singleton-factory has no presigned deployment for chain 31337");
  }
}

/** Canonical Safe 1.4.1 addresses (identical on every chain with the singleton factory). */
export const CANONICAL_SAFE_141: Readonly<SafeInfra> = {
  singletonFactory: "0x914d7Fec6aaC8cd542e72Bca78B30650d45643d7",
  safeL2: "0x29fcB43b46531BcA003ddC8FCB67FFE91900C762",
  safe: "0x41675C099F32341bf84BFc5382aF534df5C7461a",
  safeProxyFactory: "0x4e1DCf7AD4e460CfD30791CCC4F9c8a4f820ec67",
  multiSend: "0x38869bf66a61cF6bDB996A6aE40D5853Fd43B526",
  multiSendCallOnly: "0x9641d764fc13c8B624c04430C7356C1C7C8102e2",
  fallbackHandler: "0xfd0732Dc9E303f09fCEf3a7388Ad10A83459Ec99",
  signMessageLib: "0xd53cd0aB83D845Ac265BE939c57F53AD838012c9",
  createCall: "0x9b35Af71d77eaf8d7e40252370304687390A1A52",
  simulateTxAccessor: "0x3d4BA2E0884aa488718476ca2FB8Efc291A46199",
};

async function ensureSingletonFactory(signer: Signer): Promise<string> {
  const provider = signer.provider!;
  const d = singletonFactoryDeployment();
  if ((await provider.getCode(d.address)) !== "0x") return d.address;
  const chainId = (await provider.getNetwork()).chainId;
  if (chainId !== 31337n) throw new Error(`The presigned singleton factory tx is for chain 31337, not ${chainId}`);
  const cost = BigInt(d.gasPrice) * BigInt(d.gasLimit);
  await confirm("fund singleton factory deployer", signer.sendTransaction({ to: d.signerAddress, value: cost }));
  const receipt = await confirm("deploy singleton factory", provider.broadcastTransaction(d.transaction));
  // Read at the receipt's block: ethers' JsonRpcProvider may serve a cached "latest" answer.
  if ((await provider.getCode(d.address, receipt.blockNumber)) === "0x") throw new Error("singleton factory deploy failed");
  return d.address;
}

const INFRA: [Exclude<keyof SafeInfra, "singletonFactory">, () => { bytecode: string }][] = [
  ["safeL2", ART.safe.SafeL2],
  ["safe", ART.safe.Safe],
  ["safeProxyFactory", ART.safe.SafeProxyFactory],
  ["multiSend", ART.safe.MultiSend],
  ["multiSendCallOnly", ART.safe.MultiSendCallOnly],
  ["fallbackHandler", ART.safe.CompatibilityFallbackHandler],
  ["signMessageLib", ART.safe.SignMessageLib],
  ["createCall", ART.safe.CreateCall],
  ["simulateTxAccessor", ART.safe.SimulateTxAccessor],
];

/** Deploy (or find, if already present) the Safe 1.4.1 infrastructure at its canonical addresses. */
export async function deploySafeInfra(signer: Signer): Promise<SafeInfra> {
  const provider = signer.provider!;
  const factory = await ensureSingletonFactory(signer);
  const out = { singletonFactory: factory } as SafeInfra;
  for (const [key, artifact] of INFRA) {
    const initCode = artifact().bytecode;
    const address = getCreate2Address(factory, ZeroHash, keccak256(initCode));
    if ((await provider.getCode(address)) === "0x") {
      // The factory takes salt ++ initCode as raw calldata; gas estimation is fine for CREATE2 here.
      const receipt = await confirm(`CREATE2 ${key}`, signer.sendTransaction({ to: factory, data: concat([ZeroHash, initCode]) }));
      if ((await provider.getCode(address, receipt.blockNumber)) === "0x") throw new Error(`CREATE2 deploy of Safe ${key} failed`);
    }
    if (address !== CANONICAL_SAFE_141[key]) {
      throw new Error(`Safe ${key} landed at ${address}, not the canonical ${CANONICAL_SAFE_141[key]}: wrong artifact version?`);
    }
    out[key] = address;
  }
  return out;
}

/** Address a SafeProxyFactory.createProxyWithNonce(singleton, initializer, saltNonce) call would create. */
export async function predictSafeAddress(
  signer: Signer,
  infra: SafeInfra,
  initializer: string,
  saltNonce: bigint,
): Promise<string> {
  const factory = new Contract(infra.safeProxyFactory, ART.safe.SafeProxyFactory().abi, signer);
  const proxyCode: string = await factory.proxyCreationCode();
  const salt = keccak256(concat([keccak256(initializer), zeroPadValue(toBeHex(saltNonce), 32)]));
  const initCodeHash = keccak256(concat([proxyCode, zeroPadValue(infra.safeL2, 32)]));
  return getCreate2Address(infra.safeProxyFactory, salt, initCodeHash);
}

function setupData(infra: SafeInfra, owners: string[], threshold: number): string {
  if (threshold < 1 || threshold > owners.length) throw new Error(`Safe threshold ${threshold} is not within 1..${owners.length}`);
  return new Contract(infra.safeL2, ART.safe.SafeL2().abi).interface.encodeFunctionData("setup", [
    owners, threshold, ZeroAddress, "0x", infra.fallbackHandler, ZeroAddress, 0, ZeroAddress,
  ]);
}

/**
 * Create a SafeL2 proxy with `owners`/`threshold` and the compatibility fallback handler at
 * `saltNonce`; returns its address. Fails clearly if that address already holds a Safe.
 */
export async function createSafe(
  signer: Signer,
  infra: SafeInfra,
  owners: string[],
  threshold: number,
  saltNonce = 0n,
): Promise<string> {
  const setup = setupData(infra, owners, threshold);
  const address = await predictSafeAddress(signer, infra, setup, saltNonce);
  if ((await signer.provider!.getCode(address)) !== "0x") {
    throw new Error(`A Safe already exists at ${address} (saltNonce ${saltNonce}); pick another saltNonce`);
  }
  const factory = new Contract(infra.safeProxyFactory, ART.safe.SafeProxyFactory().abi, signer);
  const receipt = await confirm("create Safe", factory.createProxyWithNonce(infra.safeL2, setup, saltNonce));
  if ((await signer.provider!.getCode(address, receipt.blockNumber)) === "0x") throw new Error(`Safe proxy not found at predicted ${address}`);
  return address;
}

/**
 * createSafe at the first salt nonce from `from` whose address is still free: a chain shared with
 * other tests may already hold a Safe with the same owners and threshold.
 */
export async function createSafeAtFreeNonce(
  signer: Signer,
  infra: SafeInfra,
  owners: string[],
  threshold: number,
  from = 0n,
): Promise<{ address: string; saltNonce: bigint }> {
  const setup = setupData(infra, owners, threshold);
  for (let nonce = from; nonce < from + 1000n; nonce++) {
    const address = await predictSafeAddress(signer, infra, setup, nonce);
    if ((await signer.provider!.getCode(address)) === "0x") {
      return { address: await createSafe(signer, infra, owners, threshold, nonce), saltNonce: nonce };
    }
  }
  throw new Error(`No free Safe salt nonce in ${from}..${from + 999n}`);
}
