import { mount } from 'svelte';
import { registerSW } from 'virtual:pwa-register';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html lost its #app element');

export default mount(App, { target });

// The service worker precaches the shell, the wasm and the bundled models so
// the app opens offline. It updates itself in the background.
if ('serviceWorker' in navigator) {
  registerSW({ immediate: true });
}
