/** The part of sm-crypto (SM2 signatures with SM3, GB/T 32918 and GB/T 38540) the electronic seal uses. */
declare module 'sm-crypto' {
  interface Sm2SignOptions {
    /** Hash the message with SM3 over Z(userId, public key) first, as GB/T 32918 signs. Default true. */
    hash?: boolean;
    /** The signer's public key (hex, 04‖x‖y): saves deriving it for every signature. */
    publicKey?: string;
    /** Distinguishing identifier; default "1234567812345678" (GB/T 35276). */
    userId?: string;
    /** ASN.1 DER signature instead of r‖s hex. */
    der?: boolean;
  }
  export const sm2: {
    generateKeyPairHex(): { privateKey: string; publicKey: string };
    getPublicKeyFromPrivateKey(privateKey: string): string;
    doSignature(message: string | Uint8Array, privateKey: string, options?: Sm2SignOptions): string;
    doVerifySignature(message: string | Uint8Array, signature: string, publicKey: string, options?: Sm2SignOptions): boolean;
    verifyPublicKey(publicKey: string): boolean;
  };
  export const sm3: (message: string | Uint8Array) => string;
}
