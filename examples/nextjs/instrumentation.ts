// Runs once when the Next.js server starts: Better Auth's tables are created before the first request.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') await (await import('./lib/auth')).migrate();
}
