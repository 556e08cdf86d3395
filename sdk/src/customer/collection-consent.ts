/**
 * The customer's consent to the first collection of their data (Decree 13/2023/ND-CP, art. 11), as
 * the bank's app records it before the card and selfie are captured: the purpose, what is collected
 * and the version of the notice the customer read. The app shows the notice, asks, and only then
 * sends this (`recordCollectionConsent` of the bank client); a node takes no image before it.
 */
import { InvalidArgumentError } from "../errors.ts";
import { COLLECTED_DATA, type CollectedData, type CollectionConsentBody } from "../bank/wire.ts";

/** What a level-1 onboarding collects: every record field, the card images and the selfie. */
export const ONBOARDING_COLLECTION: readonly CollectedData[] = COLLECTED_DATA.filter((d) => d !== "chipData");

/**
 * The consent for an onboarding, from the notice the customer accepted. `chip: true` when the app
 * will also read the card's chip (eKYC level 2): the chip's data is then part of what is collected.
 */
export function collectionConsent(notice: { version: string; chip?: boolean }): CollectionConsentBody {
  if (!/^[A-Za-z0-9._:-]{1,64}$/.test(notice.version))
    throw new InvalidArgumentError("version", "must be 1-64 letters, digits or . _ : -");
  return {
    noticeVersion: notice.version,
    purpose: "ONBOARDING",
    fields: notice.chip === true ? [...COLLECTED_DATA] : [...ONBOARDING_COLLECTION],
  };
}
