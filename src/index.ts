import './augment.js'
import { fastifyMagicLink } from './plugin.js'

export default fastifyMagicLink
export { fastifyMagicLink }
export { errors } from './errors.js'
export type { MagicLinkErrorCode, MagicLinkErrors } from './errors.js'
export { MemoryStore } from './store/memory-store.js'
export type { MemoryStoreOptions } from './store/memory-store.js'
export { RedisStore } from './store/redis-store.js'
export type { RedisDurability, RedisStoreOptions } from './store/redis-store.js'
export { ReplicationError } from './store/replication.js'
export type { RedisClient, RedisSubscriber } from './store/redis-client.js'
export { GROUP_LENGTH, groupOf } from './store/types.js'
export type * from './store/types.js'
export type {
  MagicLinkOptions, MagicLinkUser, MagicLinkSessionData, MailMessage, MailTransport, MailOptions, UsersOptions,
  SessionOptions, RateLimitOptions, HooksOptions, LoginEvent, LogoutEvent, BrandOptions, LocaleOptions, PagesOptions,
} from './options.js'
export { messages, shippedLocales } from './i18n/index.js'
export { escapeHtml } from './html.js'
export { EVENT_CHANNEL, STORE_CHANNEL } from './events.js'
export type { MagicLinkEvent, MagicLinkEventType, MagicLinkEventReasons, StoreTraceContext } from './events.js'
export type { MagicLinkMessages, MessageKey, MessageValues, PluralForms } from './i18n/index.js'
export type { Brand, DeadLinkKind, PageContext, PageError, PageModel, PageView } from './pages/index.js'
export type { LinkReason } from './errors.js'
export type { MailContext, RenderedMail, NoticeContext } from './mail/template.js'
export type { MagicLinkSession } from './session/manager.js'
export type { MagicLinkApi, SessionInfo, CreateLinkOptions } from './admin.js'
export type { Duration } from './duration.js'
