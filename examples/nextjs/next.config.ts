import type { NextConfig } from 'next';

const config: NextConfig = {
  // The client arrives as a tarball in node_modules, like any package: nothing outside this app's root
  // needs resolving, so Turbopack needs no `turbopack.root`.
  poweredByHeader: false,
};

export default config;
