import { z } from "zod";
import { Account, CreateAccountBody, CreatedAccount, FileInfo, LoginBody, LoginToken, Me, Pricing } from "../api.ts";
import { LedgerPage } from "../ledger.ts";
import { ConfirmQuery, LedgerQuery } from "./queries.ts";
import { named, type Operation } from "./operation.ts";

const FileList = z.object({ files: z.array(FileInfo) });
const fileParam = { path: "The file's path under your folder, e.g. data/lines.txt (slashes make folders)" };

/** Accounts, the caller's own account and ledger, and files. */
export const accountOperations = {
  signUp: {
    method: "post", path: "/v1/accounts", tag: "accounts", auth: "none", summary: "Sign up",
    description: "Creates an account and answers its first API key (shown once). Where email confirmation is required, the starter credits follow the link sent to the address; until then `credits` is 0 and `confirmed` false.",
    body: { json: named("CreateAccountBody", CreateAccountBody) },
    responses: { 201: { description: "The new account and its API key", json: named("CreatedAccount", CreatedAccount) } },
    errors: [409, 429],
  },
  confirmEmail: {
    method: "get", path: "/v1/accounts/confirm", tag: "accounts", auth: "none", summary: "Confirm an email address (the link in the sign-up email)",
    description: "Confirms the account once and grants its starter credits once; opening the link again changes nothing.",
    query: ConfirmQuery,
    responses: { 200: { description: "The confirmed account", json: named("Account", Account) } },
    errors: [404],
  },
  login: {
    method: "post", path: "/v1/auth/login", tag: "accounts", auth: "none", summary: "Log in with email and password",
    body: { json: named("LoginBody", LoginBody) },
    responses: { 200: { description: "A login token, used like an API key until it expires", json: named("LoginToken", LoginToken) } },
    errors: [401, 429],
  },
  pricing: {
    method: "get", path: "/v1/pricing", tag: "accounts", auth: "none", summary: "Default price per chunk and the starter credits",
    responses: { 200: { description: "Prices", json: named("Pricing", Pricing) } },
  },
  me: {
    method: "get", path: "/v1/me", tag: "accounts", auth: "account", summary: "Your account: credits and storage",
    responses: { 200: { description: "The caller's account", json: named("Me", Me) } },
  },
  ledger: {
    method: "get", path: "/v1/me/ledger", tag: "accounts", auth: "account", summary: "Your credit movements, newest first",
    query: LedgerQuery,
    responses: { 200: { description: "A page of ledger entries; `next` is the `before` of the following page", json: named("LedgerPage", LedgerPage) } },
  },
  files: {
    method: "get", path: "/v1/files", tag: "files", auth: "account", summary: "Your files",
    responses: { 200: { description: "Every finished file", json: named("FileList", FileList) } },
  },
  uploadFile: {
    method: "put", path: "/v1/files/{path}", tag: "files", auth: "account", summary: "Upload a file (whole, or a piece of a resumable upload)",
    description: "Without `Content-Range` the body is the whole file. With `Content-Range: bytes <a>-<b>/<total>` it is one piece: `308` with `Range: bytes=0-<last>` tells how far the upload got (`Content-Range: bytes */<total>` with no body asks), and the piece that completes it answers `201`.",
    params: fileParam,
    body: { raw: "application/octet-stream", description: "The file's bytes (any content type)" },
    responses: {
      201: { description: "Stored", json: named("FileInfo", FileInfo) },
      308: { description: "A piece of a resumable upload landed; more to come", headers: { range: "bytes=0-<last byte stored>" } },
    },
    errors: [409, 413, 416, 507],
  },
  downloadFile: {
    method: "get", path: "/v1/files/{path}", tag: "files", auth: "account", summary: "Download a file (`Range: bytes=<n>-` resumes)",
    params: fileParam,
    responses: {
      200: { description: "The file", other: { "application/octet-stream": "the file's bytes" }, headers: { etag: "the file's sha256, quoted" } },
      206: { description: "The file from the requested byte on", other: { "application/octet-stream": "the rest of the file" } },
    },
    errors: [404, 416],
  },
  deleteFile: {
    method: "delete", path: "/v1/files/{path}", tag: "files", auth: "account", summary: "Delete a file",
    params: fileParam,
    responses: { 204: { description: "Deleted" } },
    errors: [404],
  },
} as const satisfies Record<string, Operation>;
