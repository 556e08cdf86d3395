/**
 * Typed errors of the production generators. Every bad input names the field (a JSON path such as
 * `validators[2].publicKey`) so an operator can fix the consortium file without reading code.
 */
import { KycnetError } from "@kycnet/sdk/errors";

export type ProductionInputCode =
  | "PRODUCTION_INPUT_INVALID"
  | "VALIDATOR_DUPLICATE"
  | "VALIDATOR_KEY_MISMATCH"
  | "CHAIN_ID_RESERVED"
  | "VALUE_OUT_OF_RANGE"
  | "BANK_DUPLICATE";

/**
 * The consortium's input file (genesis, node configs, deployment) is wrong at `field`. The production
 * codes are this command line's own, never the API's, so they stay out of the node's catalogue.
 */
export class ProductionInputError extends KycnetError<ProductionInputCode> {
  readonly field: string;
  constructor(code: ProductionInputCode, field: string, reason: string) {
    super(code, `${field || "(root)"}: ${reason}`, { details: { field, reason } });
    this.field = field;
  }
}

/** Reading or writing the operator's files failed (not the input's fault). */
export class ProductionIoError extends KycnetError<"PRODUCTION_IO"> {
  constructor(path: string, action: "read" | "write", cause: unknown) {
    super("PRODUCTION_IO", `cannot ${action} ${path}`, { details: { path, action }, cause });
  }
}
