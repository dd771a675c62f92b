// Types of the validator that `npm run build` generates from schema/domain-list.schema.json.
import type { ErrorObject } from 'ajv';

interface GeneratedValidator {
  (data: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export declare const validate: GeneratedValidator;
export default validate;
