'use client';
import { useState, type FormEvent } from 'react';
import { authClient } from '@/lib/auth-client';

export function SignIn() {
  const [error, setError] = useState<string>();
  const submit = (mode: 'up' | 'in') => async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get('email'));
    const password = String(form.get('password'));
    const result =
      mode === 'up'
        ? await authClient.signUp.email({ email, password, name: String(form.get('name') || email) })
        : await authClient.signIn.email({ email, password });
    setError(result.error?.message);
  };
  return (
    <main>
      <h1>Tasks</h1>
      <h2>Sign up</h2>
      <form onSubmit={submit('up')} aria-label="Sign up">
        <input name="name" placeholder="Name" aria-label="Name" />
        <input name="email" type="email" placeholder="Email" aria-label="Email" required />
        <input name="password" type="password" placeholder="Password" aria-label="Password" minLength={8} required />
        <button type="submit">Sign up</button>
      </form>
      <h2>Sign in</h2>
      <form onSubmit={submit('in')} aria-label="Sign in">
        <input name="email" type="email" placeholder="Email" aria-label="Email" required />
        <input name="password" type="password" placeholder="Password" aria-label="Password" required />
        <button type="submit">Sign in</button>
      </form>
      {error && <p className="error">{error}</p>}
    </main>
  );
}
