/**
 * A validator for the small JSON-schema subset the plugin's routes use, compiled per schema.
 * Why not Fastify's Ajv: its defaults coerce types (`coerceTypes: 'array'` turns `["a@b.c"]`
 * into `"a@b.c"`) and strip unknown fields; these routes must refuse both (SECURITY.md T23), without
 * changing the app's own validator.
 */
export interface StringSchema { type: 'string', minLength?: number, maxLength?: number, pattern?: string, enum?: readonly string[], description?: string }
export interface ObjectSchema {
  type: 'object'
  properties: Record<string, StringSchema>
  required?: string[]
  additionalProperties: boolean
  description?: string
}

export type Validator = (data: unknown) => { error: Error } | { value: unknown }

export function compile (schema: ObjectSchema): Validator {
  const props = Object.entries(schema.properties).map(([name, s]) => ({
    name, s, re: s.pattern === undefined ? null : new RegExp(s.pattern, 'u'),
  }))
  const known = new Set(Object.keys(schema.properties))
  const required = schema.required ?? []
  return (data) => {
    if (data === undefined || data === null) data = {}
    if (typeof data !== 'object' || Array.isArray(data)) return bad('must be an object')
    const obj = data as Record<string, unknown>
    if (!schema.additionalProperties) {
      for (const key of Object.keys(obj)) if (!known.has(key)) return bad(`unknown property '${key.slice(0, 40)}'`)
    }
    for (const name of required) if (!Object.hasOwn(obj, name)) return bad(`'${name}' is required`)
    for (const { name, s, re } of props) {
      if (!Object.hasOwn(obj, name)) continue
      const v = obj[name]
      if (typeof v !== 'string') return bad(`'${name}' must be a string`)
      if (s.minLength !== undefined && v.length < s.minLength) return bad(`'${name}' is too short`)
      if (s.maxLength !== undefined && v.length > s.maxLength) return bad(`'${name}' is too long`)
      if (re !== null && !re.test(v)) return bad(`'${name}' is malformed`)
      if (s.enum !== undefined && !s.enum.includes(v)) return bad(`'${name}' must be one of ${s.enum.join(', ')}`)
    }
    return { value: obj }
  }
}

function bad (message: string): { error: Error } {
  return { error: new Error(message) }
}
