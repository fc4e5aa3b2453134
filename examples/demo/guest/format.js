export const formatCoins = (amount) => `${amount.toFixed(2)} coins`;
