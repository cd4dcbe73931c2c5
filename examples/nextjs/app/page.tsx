'use client';
import { authClient } from '@/lib/auth-client';
import { SignIn } from './sign-in';
import { Tasks } from './tasks';

export default function Home() {
  const { data: session, isPending } = authClient.useSession();
  if (isPending) return <p>Loading…</p>;
  return session ? <Tasks user={session.user} /> : <SignIn />;
}
