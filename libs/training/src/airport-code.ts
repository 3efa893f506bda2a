/**
 * Airports become category codes without a dictionary: the code is the
 * airport's IATA identifier read as a base-37 number (A–Z → 1–26, 0–9 → 27–36,
 * first character least significant), so the trainer, the inference service
 * and the drift monitor all compute the same code for the same airport and a
 * new airport needs no retraining of any lookup table. Four characters at most
 * keep codes below 37^4 < 2^24, exact in the float32 input of ONNX.
 */
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const BASE = ALPHABET.length + 1;
const MAX_LENGTH = 4;

/** The category code of an airport identifier (`"ORD"` → 6157), or NaN (missing) when it is not 1–4 of A–Z 0–9. */
export function airportCode(iata: string): number {
  if (iata.length === 0 || iata.length > MAX_LENGTH) return Number.NaN;
  let code = 0;
  for (let i = iata.length - 1; i >= 0; i--) {
    const digit = ALPHABET.indexOf(iata[i] as string);
    if (digit < 0) return Number.NaN;
    code = code * BASE + digit + 1;
  }
  return code;
}

/** The identifier of an {@link airportCode}, or undefined when the number is not one. */
export function airportFromCode(code: number): string | undefined {
  if (!Number.isInteger(code) || code < 1 || code >= BASE ** MAX_LENGTH) return undefined;
  let iata = '';
  for (let rest = code; rest > 0; rest = Math.floor(rest / BASE)) {
    const digit = rest % BASE;
    if (digit === 0) return undefined;
    iata += ALPHABET[digit - 1];
  }
  return iata;
}
