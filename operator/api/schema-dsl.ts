// A tiny schema language whose values are OpenAPI v3 schemas and whose types are the TypeScript
// types those schemas accept, so the Sprite's CRD schema and its types cannot drift apart.

/** The structural-schema subset a CRD accepts, as Kubernetes spells it. */
export interface JSONSchemaProps {
  type?: "object" | "array" | "string" | "integer" | "boolean" | "number";
  description?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  enum?: readonly string[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  default?: unknown;
  nullable?: boolean;
  "x-kubernetes-int-or-string"?: boolean;
  "x-kubernetes-list-type"?: "atomic" | "set" | "map";
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-validations"?: { rule: string; message: string; reason?: string; fieldPath?: string }[];
}

/** A schema that carries, at the type level only, the value type it describes. */
export interface Schema<T> {
  readonly props: JSONSchemaProps;
  /** Phantom: never set at run time. */
  readonly _type?: T;
}

export type TypeOf<S> = S extends Schema<infer T> ? T : never;

type Extra = Omit<JSONSchemaProps, "type" | "properties" | "required" | "items" | "enum">;

const make = <T>(props: JSONSchemaProps): Schema<T> => ({ props });

export const string = (extra: Extra = {}): Schema<string> => make({ type: "string", ...extra });

export const dateTime = (description: string): Schema<string> =>
  make({ type: "string", format: "date-time", description });

export const integer = (extra: Extra = {}): Schema<number> => make({ type: "integer", ...extra });

export const boolean = (extra: Extra = {}): Schema<boolean> => make({ type: "boolean", ...extra });

export const enumOf = <const V extends readonly string[]>(values: V, extra: Extra = {}): Schema<V[number]> =>
  make({ type: "string", enum: values, ...extra });

/** A Kubernetes quantity ("10Gi", "500m", 2): the API server normalises numbers to strings on read. */
export const quantity = (extra: Extra = {}): Schema<string | number> =>
  make({ "x-kubernetes-int-or-string": true, ...extra });

export const array = <I>(items: Schema<I>, extra: Extra = {}): Schema<I[]> =>
  make({ type: "array", items: items.props, ...extra });

export const map = <V>(values: Schema<V>, extra: Extra = {}): Schema<Record<string, V>> =>
  make({ type: "object", additionalProperties: values.props, ...extra });

type Shape = Record<string, Schema<unknown>>;
type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ObjectType<P extends Shape, R extends keyof P> = Simplify<
  { [K in R]: TypeOf<P[K]> } & { [K in Exclude<keyof P, R>]?: TypeOf<P[K]> }
>;

export const object = <P extends Shape, R extends keyof P & string = never>(
  properties: P,
  options: Extra & { required?: readonly R[] } = {},
): Schema<ObjectType<P, R>> => {
  const { required, ...extra } = options;
  const props: Record<string, JSONSchemaProps> = {};
  for (const [name, schema] of Object.entries(properties)) props[name] = schema.props;
  return make({
    type: "object",
    properties: props,
    ...(required && required.length > 0 ? { required: [...required] } : {}),
    ...extra,
  });
};
