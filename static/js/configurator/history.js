// Undo and redo over snapshots of the editor's layers (JSON text: cheap to compare).

export class History {
  constructor(limit = 100) {
    this.limit = limit;
    this.past = [];
    this.future = [];
  }

  get current() {
    return this.past.length ? this.past[this.past.length - 1] : null;
  }

  // Record a new state; returns false when nothing changed.
  push(snapshot) {
    if (snapshot === this.current) {
      return false;
    }
    this.past.push(snapshot);
    if (this.past.length > this.limit) {
      this.past.shift();
    }
    this.future = [];
    return true;
  }

  canUndo() {
    return this.past.length > 1;
  }

  canRedo() {
    return this.future.length > 0;
  }

  undo() {
    if (!this.canUndo()) {
      return null;
    }
    this.future.push(this.past.pop());
    return this.current;
  }

  redo() {
    if (!this.canRedo()) {
      return null;
    }
    this.past.push(this.future.pop());
    return this.current;
  }
}
