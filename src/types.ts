// Type augmentations the plugin relies on internally.
import type {} from '@fastify/cookie'
