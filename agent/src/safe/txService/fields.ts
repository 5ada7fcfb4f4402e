// Field parsing as the service's serializers do it (DRF + safe-eth-py fields): every field is checked
// and the errors are collected per field; the view answers them as one body ({"to": ["…"], …}).
import { getAddress, isAddress, isHex, size, type Address, type Hex } from "viem";

export type FieldErrors = Record<string, string[]>;

const ZERO = "0x0000000000000000000000000000000000000000";
const SENTINEL = "0x0000000000000000000000000000000000000001";

export class Fields {
  readonly errors: FieldErrors = {};
  constructor(private readonly body: Record<string, unknown>) {}

  private err(name: string, msg: string): undefined {
    (this.errors[name] ??= []).push(msg);
    return undefined;
  }
  private raw(name: string, required: boolean): unknown {
    const v = this.body[name];
    if (v === undefined && required) this.err(name, "This field is required.");
    return v;
  }

  /** EthereumAddressField: EIP-55 checksummed; zero/sentinel only where the serializer allows them. */
  address(name: string, opts: { nullable?: boolean; allowZero?: boolean; allowSentinel?: boolean; required?: boolean } = {}): Address | null | undefined {
    const v = this.raw(name, opts.required ?? true);
    if (v === undefined) return opts.nullable ? null : undefined;
    if (v === null) return opts.nullable ? null : this.err(name, "This field may not be null.");
    if (typeof v !== "string" || !isAddress(v, { strict: false })) return this.err(name, `Address ${String(v)} is not valid`);
    if (v === ZERO && !opts.allowZero) return this.err(name, "0x0 address is not allowed");
    if (v === SENTINEL && !opts.allowSentinel) return this.err(name, "0x1 address is not allowed");
    if (getAddress(v) !== v) return this.err(name, `Address ${v} is not checksumed`);
    return v as Address;
  }

  /** IntegerField(min_value=0): a JSON number or a numeric string. */
  uint(name: string, max?: bigint): bigint | undefined {
    const v = this.raw(name, true);
    if (v === undefined) return undefined;
    const s = typeof v === "number" ? (Number.isSafeInteger(v) ? String(v) : "") : typeof v === "string" ? v.trim() : "";
    if (!/^-?[0-9]+$/.test(s)) return this.err(name, "A valid integer is required.");
    const n = BigInt(s);
    if (n < 0n) return this.err(name, "Ensure this value is greater than or equal to 0.");
    if (max !== undefined && n > max) return this.err(name, `Ensure this value is less than or equal to ${max}.`);
    return n;
  }

  /** HexadecimalField; null, "" and "0x" are the same empty value where allowed. */
  hex(name: string, opts: { nullable?: boolean; required?: boolean; minBytes?: number; exactBytes?: number } = {}): Hex | null | undefined {
    const v = this.raw(name, opts.required ?? true);
    if (v === undefined || v === null || v === "") {
      if (v === undefined && (opts.required ?? true)) return undefined;
      return opts.nullable ? null : this.err(name, "This field may not be null.");
    }
    const s = typeof v === "string" && !v.startsWith("0x") ? `0x${v}` : v;
    if (typeof s !== "string" || !isHex(s) || s.length % 2) return this.err(name, `${String(v)} is not a valid hexadecimal value`);
    const n = size(s as Hex);
    if (opts.exactBytes !== undefined && n !== opts.exactBytes) return this.err(name, `${v} is not a ${opts.exactBytes}-byte hash`);
    if (opts.minBytes !== undefined && n < opts.minBytes) return this.err(name, `Ensure this field has at least ${opts.minBytes} bytes.`);
    return (s as string).toLowerCase() as Hex;
  }

  /** CharField(max_length, allow_null). */
  text(name: string, maxLength: number): string | null | undefined {
    const v = this.raw(name, false);
    if (v === undefined || v === null) return null;
    if (typeof v !== "string") return this.err(name, "Not a valid string.");
    if (v.length > maxLength) return this.err(name, `Ensure this field has no more than ${maxLength} characters.`);
    return v;
  }
}
