// Preloaded with -r: reports the process's peak resident memory (KiB) on stderr at exit.
process.on('exit', () => {
  process.stderr.write(`\nBENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
