// The configurator's HTTP API as the editor uses it. Errors come back as {"error": "..."}.

export function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta && meta.content) {
    return meta.content;
  }
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

async function errorOf(response) {
  let message = `The server answered ${response.status}.`;
  try {
    const body = await response.json();
    if (body && typeof body.error === "string") {
      message = body.error;
    }
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(message, response.status);
}

export async function postJson(url, body, accept = "application/json") {
  const response = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: accept,
      "X-CSRFToken": csrfToken(),
    },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw await errorOf(response);
  }
  return response;
}

export async function getJson(url) {
  const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!response.ok) {
    throw await errorOf(response);
  }
  return response.json();
}

// Upload one file as multipart field "file", reporting progress (0..1) as it goes.
export function uploadFile(url, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) {
        onProgress(event.loaded / event.total);
      }
    });
    xhr.addEventListener("load", () => {
      const body = xhr.response;
      if (xhr.status === 201 && body && body.id) {
        onProgress(1);
        resolve(body);
      } else {
        const message = body && body.error ? body.error : `The upload failed (${xhr.status}).`;
        reject(new ApiError(message, xhr.status));
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError("The upload failed: no connection.", 0)));
    xhr.addEventListener("abort", () => reject(new ApiError("The upload was stopped.", 0)));
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}

// A response body (an image) as a data: URL, which the page's img-src allows.
export function blobToDataUrl(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.addEventListener("load", () => resolve(reader.result));
    reader.addEventListener("error", () => reject(reader.error));
    reader.readAsDataURL(blob);
  });
}
