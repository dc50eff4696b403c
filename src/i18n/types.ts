import type { en } from './en.js'

/** Forms of a message that depends on a number, keyed by `Intl.PluralRules` category; `other` is required. */
export type PluralForms = { readonly other: string } & { readonly [K in Exclude<Intl.LDMLPluralRule, 'other'>]?: string }

/**
 * Every text a person reads on the plugin's pages and in its mails, by key. `{name}` marks a
 * placeholder; plural messages hold one form per `Intl.PluralRules` category. A locale added
 * through `locale.messages` may give any subset: missing keys come from `locale.default`.
 */
export type MagicLinkMessages = { readonly [K in keyof typeof en]: (typeof en)[K] extends string ? string : PluralForms }

/** A key of {@link MagicLinkMessages}. */
export type MessageKey = keyof MagicLinkMessages

/** Values for a message's placeholders. */
export type MessageValues = Readonly<Record<string, string | number>>
