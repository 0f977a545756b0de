import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import { installPageHooks } from 'virtual:test-hooks';
import App from './App.svelte';
import './app.css';

installPageHooks(); // the e2e build's test camera; an empty function in the app's build

const target = document.getElementById('app');
if (!target) throw new Error('index.html lost its #app element');

export default mount(App, { target });

// The service worker precaches the shell, the wasm and the bundled models so
// the app opens offline. It updates itself in the background.
if ('serviceWorker' in navigator) {
  registerSW({ immediate: true });
}
