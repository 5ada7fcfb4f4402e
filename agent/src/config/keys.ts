// Private keys from an env variable (hex) or an encrypted keystore JSON (the Ethereum V3 format that
// geth, ethers and MyEtherWallet write). A loaded key is registered as a secret so the logger scrubs
// it from any line; it is never printed and error messages never contain it.
import fs from "node:fs";
import { Wallet, encryptKeystoreJson } from "ethers";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { UserError } from "../errors";
import type { KeySource } from "./schema";
import { registerSecret } from "../log";

export interface LoadedKey {
  key: Hex;
  address: `0x${string}`;
  source: string;
}

const HEX_KEY = /^(0x)?[0-9a-fA-F]{64}$/;

export async function loadKey(role: string, src: KeySource, env: NodeJS.ProcessEnv = process.env): Promise<LoadedKey> {
  if ("env" in src) {
    const v = env[src.env]?.trim();
    if (!v) throw new UserError(`${role} key: ${src.env} is not set; set it to the ${role} account's private key, or configure keys.${role} as {"keystore": FILE, "passwordEnv": VAR}`);
    if (!HEX_KEY.test(v)) throw new UserError(`${role} key: ${src.env} is not a 32-byte hex private key (64 hex digits, optional 0x); fix the value`);
    const key = (v.startsWith("0x") ? v : `0x${v}`) as Hex;
    registerSecret(key);
    return { key, address: privateKeyToAccount(key).address, source: `env ${src.env}` };
  }
  const password = env[src.passwordEnv];
  if (password === undefined) throw new UserError(`${role} key: ${src.passwordEnv} (the keystore password) is not set; set it`);
  let json: string;
  try {
    json = fs.readFileSync(src.keystore, "utf8");
  } catch (e) {
    throw new UserError(`${role} key: cannot read keystore ${src.keystore} (${(e as Error).message}); point keys.${role}.keystore at the JSON file`);
  }
  let wallet;
  try {
    wallet = await Wallet.fromEncryptedJson(json, password);
  } catch {
    // ethers' message may quote the file; keep ours generic.
    throw new UserError(`${role} key: keystore ${src.keystore} could not be decrypted (wrong password in ${src.passwordEnv}, or not a V3 keystore JSON)`);
  }
  const key = wallet.privateKey as Hex;
  registerSecret(key);
  registerSecret(password);
  return { key, address: privateKeyToAccount(key).address, source: `keystore ${src.keystore}` };
}

/** Writes a V3 keystore (scrypt) for a key: `treasury keystore` and tests. */
export async function encryptKeystore(key: Hex, password: string, scryptN = 131072): Promise<string> {
  const w = new Wallet(key);
  return encryptKeystoreJson({ address: w.address, privateKey: w.privateKey }, password, { scrypt: { N: scryptN } });
}
