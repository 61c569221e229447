/**
 * The JSON Schema subset lockstep understands for step arguments and emits for playbooks:
 * enough for editors to complete and check, small enough to convert to typanion faithfully.
 */
export interface JsonSchema {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null' | Array<'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null'>;
  description?: string;
  /** The dialect, on a root schema (`https://json-schema.org/draft/2020-12/schema`). */
  $schema?: string;
  $id?: string;
  /** A short name for the value; error messages say `in <title>`. */
  title?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: Array<string | number | boolean | null>;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  pattern?: string;
  default?: unknown;
  /** lockstep extension: the value is a duration (`500ms`, `3s`, `2m`, bare number = seconds). */
  'x-duration'?: boolean;
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  [key: `x-${string}`]: unknown;
}
