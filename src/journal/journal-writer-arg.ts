// The argument that makes the executable the journal's writer (journal-writer-main.ts): its
// own file, so main.ts can dispatch on it without loading the writer.
export const JOURNAL_WRITER_ARG = '--ts-init-journal-writer';
