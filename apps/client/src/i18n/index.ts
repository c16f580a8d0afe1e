// Every user-facing string goes through here: t(), the language, error codes as words.
export { dateLabels, language, setLanguage, t, type StringKey } from './core'
export { errorText, refusalOf, uploadFailure, type Refusal } from './errors'
export { pickLocale, LOCALES, LOCALE_KEY, type Locale } from './locale'
