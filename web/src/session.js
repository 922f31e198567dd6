// Who is logged in: the tokens live in sessionStorage (gone with the tab), the language in localStorage.
const KEY = "crm.session";

export const session = {
  get tokens() {
    return JSON.parse(sessionStorage.getItem(KEY) || "null");
  },
  set tokens(value) {
    if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
    else sessionStorage.removeItem(KEY);
  },
  me: null,
  get loggedIn() {
    return Boolean(this.tokens);
  },
  hasRole(...roles) {
    return Boolean(this.me && this.me.roles.some((role) => roles.includes(role)));
  },
  get canWrite() {
    return Boolean(this.me && !this.me.roles.every((role) => role === "viewer"));
  },
};
