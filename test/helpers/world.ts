// Shared local-world fixture for Hardhat tests: deploy once per test run, then loadFixture
// snapshots/reverts the chain around each test.
import hre from "hardhat";
import { Contract, Signer } from "ethers";
import { deployWorld, ABI, World } from "../../scripts/world";

/** Private keys of Hardhat's default accounts #1..#3 (mnemonic "test test ... junk"): the treasury owners. */
export const OWNER_PKS = [
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
] as const;

/** loadFixture needs a stable function identity: always pass this one. */
export async function worldFixture(): Promise<World> {
  const signers = await hre.ethers.getSigners();
  return deployWorld(signers);
}

export const erc20 = (world: World, address: string, runner: Signer | null = null) =>
  new Contract(address, ABI.erc20(), runner ?? world.provider);
