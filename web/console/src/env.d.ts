declare module 'virtual:trusted-documents' {
  const byName: Record<string, string>;
  export default byName;
}

interface Window {
  /** The gateway's origin (http://host:port), from /config.js. */
  STUDIO_GATEWAY?: string;
}
