// How people name a change: "CHG-" and the start of its id, short enough to say and type, long
// enough to find it in the history (the id is a cuid: its first characters are already random).
export const changeLabel = (changeId: string) => `CHG-${changeId.slice(0, 8)}`;
