import { ar } from './ar.js'
import { de } from './de.js'
import { en } from './en.js'
import { es } from './es.js'
import { fr } from './fr.js'
import { ja } from './ja.js'
import { ptBR } from './pt-BR.js'
import type { MagicLinkMessages } from './types.js'

export { Translator, canonicalLocale, matchLocale, parseAcceptLanguage } from './locale.js'
export type { MagicLinkMessages, MessageKey, MessageValues, PluralForms } from './types.js'

/** The catalogs that ship with the plugin, by BCP 47 tag. */
export const messages: Readonly<Record<string, MagicLinkMessages>> = Object.freeze({
  en, de, fr, es, 'pt-BR': ptBR, ja, ar,
})

/** The tags of the shipped catalogs. */
export const shippedLocales: readonly string[] = Object.freeze(Object.keys(messages))
