// Helpers shared by the three views: JSON requests, number formatting and select boxes.

// Send a JSON request and return the decoded response. An error response throws its message.
export async function api(path, body = undefined) {
  const options = body === undefined ? {} : {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  };
  const response = await fetch(path, options);
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    throw new Error(`${path} returned status ${response.status} without JSON`);
  }
  if (!response.ok) {
    throw new Error(data && data.error ? data.error : `${path} returned status ${response.status}`);
  }
  return data;
}

// Like Python's "%.4g", the format of `bplab trace`: 4 significant digits, an exponent only
// below 1e-4 or from 1e4 on, trailing zeros removed, and exact ties rounded to even.
export function fmt(value, digits = 4) {
  if (value === null || value === undefined) return "–";
  if (!Number.isFinite(value)) return String(value);
  const { sign, figures, exponent } = roundSignificant(value, digits);
  let text;
  if (exponent < -4 || exponent >= digits) {
    const mantissa = stripZeros(`${figures[0]}.${figures.slice(1)}`);
    const power = String(Math.abs(exponent)).padStart(2, "0");
    text = `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${power}`;
  } else if (exponent >= 0) {
    text = sign + stripZeros(`${figures.slice(0, exponent + 1)}.${figures.slice(exponent + 1)}`);
  } else {
    text = sign + stripZeros(`0.${"0".repeat(-exponent - 1)}${figures}`);
  }
  return text === "-0" ? "0" : text;
}

// The first `digits` significant figures of |value| and the decimal exponent. JavaScript rounds
// ties away from zero, but Python rounds an exact tie (such as 1234.5) to even. That case is
// corrected from the exact expansion, which toExponential(100) gives for such short decimals.
function roundSignificant(value, digits) {
  const sign = value < 0 ? "-" : "";
  const magnitude = Math.abs(value);
  const [rounded, roundedExponent] = magnitude.toExponential(digits - 1).split("e");
  const [exact, exactExponent] = magnitude.toExponential(100).split("e");
  const all = exact.replace(".", "");
  const tie = all[digits] === "5" && /^0*$/.test(all.slice(digits + 1));
  if (tie && Number(all[digits - 1]) % 2 === 0) {
    return { sign, figures: all.slice(0, digits), exponent: Number(exactExponent) };
  }
  return { sign, figures: rounded.replace(".", ""), exponent: Number(roundedExponent) };
}

function stripZeros(text) {
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

export function fillSelect(select, names, selected) {
  for (const name of names) {
    const option = document.createElement("option");
    option.value = name;
    option.textContent = name;
    select.append(option);
  }
  if (selected !== undefined && selected !== null) select.value = selected;
}

// Parse "100, 30" into [100, 30]; an empty text is an empty list.
export function parseNumbers(text) {
  const parts = text.split(/[\s,]+/).filter((part) => part.length > 0);
  return parts.map((part) => Number(part));
}

export function setStatus(element, text, isError = false) {
  element.textContent = text;
  element.classList.toggle("error", isError);
}
