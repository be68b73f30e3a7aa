import { labHost } from '/work/main/lab/testing';
const [name, cmd] = process.argv.slice(2);
const r = await labHost(name!).exec(['sh', '-c', cmd!], { allowFailure: true });
console.log(r.stdout, r.stderr, r.code);
