import type { ObjectSchema } from './validate.js'

const TOKEN = { type: 'string', maxLength: 200, description: 'The link token from the mail: `<flowId>.<secret>`' } as const

export const requestBody: ObjectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email'],
  properties: {
    email: { type: 'string', minLength: 1, maxLength: 320, description: 'The address to send the link to' },
    redirectTo: { type: 'string', maxLength: 2048, description: 'Same-origin path under `redirect.allow` to land on after sign-in' },
    transport: { type: 'string', enum: ['cookie', 'token'], description: '`token`: answer with a `pollToken` instead of the binding cookie (needs `session.transports` to include it)' },
  },
}

const POLL_TOKEN = { type: 'string', maxLength: 100, description: 'Token transport: the `pollToken` from `POST /request`, instead of the binding cookie' } as const

export const verifyQuery: ObjectSchema = {
  type: 'object',
  additionalProperties: true,
  properties: { token: TOKEN },
}

export const verifyBody: ObjectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: {
    token: TOKEN,
    pollToken: POLL_TOKEN,
    code: { type: 'string', maxLength: 32, description: 'The match code shown on the asking screen (cross-device)' },
    email: { type: 'string', maxLength: 320, description: 'Invitations only: the address the invitation was sent to, typed' },
  },
}

export const emailBody: ObjectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['email'],
  properties: { email: { type: 'string', minLength: 1, maxLength: 320, description: 'The new address' } },
}

export const tokenBody: ObjectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token'],
  properties: { token: TOKEN },
}

export const revokeBody: ObjectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['token', 'email'],
  properties: {
    token: TOKEN,
    email: { type: 'string', maxLength: 320, description: 'Your own address, typed' },
  },
}

export const pollQuery: ObjectSchema = {
  type: 'object',
  additionalProperties: false,
  properties: { wait: { type: 'string', pattern: '^[0-9]{1,2}$', description: 'Long-poll for up to N seconds (N <= 30)' } },
}

export const emptyBody: ObjectSchema = { type: 'object', additionalProperties: false, properties: {} }

export const pollBody: ObjectSchema = { type: 'object', additionalProperties: false, properties: { pollToken: POLL_TOKEN } }

export const refreshBody: ObjectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['refreshToken'],
  properties: { refreshToken: { type: 'string', maxLength: 200, description: 'The refresh token of the last `POST /refresh` or sign-in' } },
}

export const codeBody: ObjectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['code'],
  properties: { code: { type: 'string', maxLength: 32, description: 'The 6-digit code from the mail' }, pollToken: POLL_TOKEN },
}

export const sessionParams: ObjectSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'string', maxLength: 100 } },
}
